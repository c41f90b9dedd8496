import { describe, expect, it } from "vitest";
import { JsonLines, readPullProgress } from "./json-lines.js";

describe("JsonLines", () => {
  it.each([
    ["newline separated", ['{"a":1}\n{"a":2}\n'], [{ a: 1 }, { a: 2 }]],
    ["split mid-object", ['{"a"', ":1}\n", '{"a":2}\n'], [{ a: 1 }, { a: 2 }]],
    ["back to back", ['{"a":1}{"a":2}\n'], [{ a: 1 }, { a: 2 }]],
    ["no final newline", ['{"a":1}\n{"a":2}'], [{ a: 1 }, { a: 2 }]],
    ["not JSON", ["plain words\n"], [{ text: "plain words" }]],
  ])("%s", (_name, chunks, expected) => {
    const lines = new JsonLines();
    const out = chunks.flatMap((c) => lines.push(c));
    out.push(...lines.end());
    expect(out).toEqual(expected);
  });
});

describe("readPullProgress", () => {
  it.each([
    [
      { status: "Pulling fs layer", id: "abc" },
      { error: undefined, status: "Pulling fs layer" },
    ],
    [{ error: "manifest unknown" }, { error: "manifest unknown", status: undefined }],
    [{ errorDetail: { message: "unauthorized" } }, { error: "unauthorized", status: undefined }],
    [
      { stream: "Trying to pull 127.0.0.1:5000/x..." },
      { error: undefined, status: "Trying to pull 127.0.0.1:5000/x..." },
    ],
    ["nonsense", { error: undefined, status: undefined }],
  ])("%j → %j", (value, expected) => {
    expect(readPullProgress(value)).toEqual(expected);
  });
});
