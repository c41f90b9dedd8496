import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, retryAfterMs } from "./backoff.js";

const policy = { minMs: 100, maxMs: 60_000 };

describe("backoffDelay", () => {
  it.each([
    [0, 0.5, 100],
    [1, 0.5, 200],
    [3, 0.5, 800],
    [3, 0, 400],
    [3, 0.999, 1199],
    [20, 0.5, 60_000],
    [20, 0.999, 60_000],
  ])("attempt %i with random %d → %i ms", (attempt, r, expected) => {
    expect(backoffDelay(attempt, policy, () => r)).toBe(expected);
  });
});

describe("retryAfterMs", () => {
  it.each([
    [null, undefined],
    ["", undefined],
    ["3", 3000],
    ["0.5", 500],
    ["Thu, 01 Jan 1970 00:00:10 GMT", 5000],
    ["soon", undefined],
  ])("%j → %j", (header, expected) => {
    expect(retryAfterMs(header, 5000)).toBe(expected);
  });
});

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [512, true],
    [501, false],
    [400, false],
    [403, false],
    [404, false],
    [416, false],
  ])("%i → %s", (status, expected) => expect(isRetryableStatus(status)).toBe(expected));
});
