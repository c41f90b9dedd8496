import { RunfleetError } from "../../../../src/errors/index.js";

/** A closed range of milliseconds a pod waits before its first container starts (Fargate: 30–70 s). */
export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Parses `30000-70000` or a single `500`; the variable name goes into the error. */
export function parseLatencyRange(text: string, variable: string): LatencyRange {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
    throw new RunfleetError("CONFIG_INVALID", `${variable}="${text}" is not a range of milliseconds`, {
      hint: `write MIN-MAX, e.g. ${variable}=30000-70000, or one number`,
    });
  }
  return { minMs: min, maxMs: max };
}

/** Uniform draw in the range; `random` is injected so tests pin it. */
export function drawLatency(range: LatencyRange, random: () => number = Math.random): number {
  return Math.round(range.minMs + (range.maxMs - range.minMs) * random());
}
