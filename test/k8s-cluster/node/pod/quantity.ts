import { RunfleetError } from "../../../../src/errors/index.js";

const suffixes: Readonly<Record<string, number>> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};

/** A Kubernetes resource quantity (`250m`, `1Gi`, `2`) as a plain number of base units. */
export function parseQuantity(text: string | number): number {
  if (typeof text === "number") return text;
  const match = /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+))?([a-zA-Z]*)$/.exec(text.trim());
  const factor = match ? suffixes[match[3] ?? ""] : undefined;
  if (!match || factor === undefined) {
    throw new RunfleetError("BAD_REQUEST", `"${text}" is not a resource quantity`);
  }
  return Number(match[1]) * 10 ** Number(match[2] ?? 0) * factor;
}
