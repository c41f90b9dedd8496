import { describe, expect, it } from "vitest";
import { parseDuration } from "./durations.js";

describe("parseDuration", () => {
  it.each([
    ["30", 30],
    [45, 45],
    ["30s", 30],
    ["10 minutes", 600],
    ["1h 30m", 5400],
    ["1 hour and 30 minutes", 5400],
    ["3 mins 4 sec", 184],
    ["2 days", 172800],
    ["1 week", 604800],
    ["1:30", 90],
    ["1:00:00", 3600],
    ["1.5 hours", 5400],
  ])("%j is %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "soon", "5 parsecs", "1h and some", -3])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
