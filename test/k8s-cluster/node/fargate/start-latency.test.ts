import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import { drawLatency, parseLatencyRange } from "./start-latency.js";

describe("parseLatencyRange", () => {
  it.each([
    { text: "30000-70000", range: { minMs: 30_000, maxMs: 70_000 } },
    { text: " 0-0 ", range: { minMs: 0, maxMs: 0 } },
    { text: "250", range: { minMs: 250, maxMs: 250 } },
  ])("$text", ({ text, range }) => {
    expect(parseLatencyRange(text, "X")).toEqual(range);
  });

  it.each(["", "a-b", "70-30", "-5", "1.5-2"])("rejects %j", (text) => {
    expect(() => parseLatencyRange(text, "RUNFLEET_NODE_START_LATENCY_MS")).toThrow(RunfleetError);
  });
});

describe("drawLatency", () => {
  it.each([
    { random: 0, ms: 30_000 },
    { random: 0.5, ms: 50_000 },
    { random: 0.999999, ms: 70_000 },
  ])("random $random gives $ms", ({ random, ms }) => {
    expect(drawLatency({ minMs: 30_000, maxMs: 70_000 }, () => random)).toBe(ms);
  });
});
