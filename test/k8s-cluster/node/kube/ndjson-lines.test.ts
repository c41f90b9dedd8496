import { describe, expect, it } from "vitest";
import { LineSplitter } from "./ndjson-lines.js";

describe("LineSplitter", () => {
  it.each([
    { chunks: ["a\nb\n"], lines: ["a", "b"], rest: "" },
    { chunks: ["a", "b\nc"], lines: ["ab"], rest: "c" },
    { chunks: ["\n\n"], lines: ["", ""], rest: "" },
    { chunks: ['{"x":', '1}\n{"y"', ":2}\n"], lines: ['{"x":1}', '{"y":2}'], rest: "" },
  ])("splits $chunks", ({ chunks, lines, rest }) => {
    const splitter = new LineSplitter();
    const seen = chunks.flatMap((c) => splitter.push(Buffer.from(c)));
    expect(seen).toEqual(lines);
    expect(splitter.rest()).toBe(rest);
  });

  it("keeps a multi-byte character cut between chunks", () => {
    const bytes = Buffer.from("é\n");
    const splitter = new LineSplitter();
    expect(splitter.push(bytes.subarray(0, 1))).toEqual([]);
    expect(splitter.push(bytes.subarray(1))).toEqual(["é"]);
  });
});
