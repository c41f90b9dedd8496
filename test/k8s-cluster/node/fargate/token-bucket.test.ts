import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it.each([
    { name: "burst is free", rate: 20, burst: 20, calls: [0, 0, 0], waits: [0, 0, 0] },
    {
      name: "past the burst waits 1/rate each",
      rate: 2,
      burst: 2,
      calls: [0, 0, 0, 0],
      waits: [0, 0, 500, 1000],
    },
    { name: "refills with time", rate: 1, burst: 1, calls: [0, 1000, 1500], waits: [0, 0, 500] },
    {
      name: "never above the burst",
      rate: 10,
      burst: 2,
      calls: [10_000, 10_000, 10_000],
      waits: [0, 0, 100],
    },
    { name: "rate 0 disables the limit", rate: 0, burst: 0, calls: [0, 0], waits: [0, 0] },
  ])("$name", ({ rate, burst, calls, waits }) => {
    const bucket = new TokenBucket(rate, burst, 0);
    expect(calls.map((now) => bucket.reserve(now))).toEqual(waits);
  });

  it("1000 launches at 20/s burst 20 take about 49 s", () => {
    const bucket = new TokenBucket(20, 20, 0);
    let last = 0;
    for (let i = 0; i < 1000; i++) last = bucket.reserve(0);
    expect(last).toBe(49_000);
  });
});
