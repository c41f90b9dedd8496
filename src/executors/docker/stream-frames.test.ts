import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDemuxer, type StreamKind } from "./stream-frames.js";

function collect(chunks: Buffer[]): Array<[StreamKind, string]> {
  const d = new FrameDemuxer();
  return chunks.flatMap((c) => d.push(c).map((f): [StreamKind, string] => [f.stream, f.data.toString()]));
}

describe("FrameDemuxer", () => {
  const two = Buffer.concat([
    encodeFrame("stdout", Buffer.from("hello\n")),
    encodeFrame("stderr", Buffer.from("oops")),
  ]);

  it.each([
    ["one chunk", [two]],
    ["split inside a header", [two.subarray(0, 3), two.subarray(3)]],
    ["split inside a payload", [two.subarray(0, 10), two.subarray(10)]],
    ["byte by byte", [...two].map((b) => Buffer.from([b]))],
  ])("reads two frames given %s", (_name, chunks) => {
    expect(collect(chunks)).toEqual([
      ["stdout", "hello\n"],
      ["stderr", "oops"],
    ]);
  });

  it("keeps an unfinished frame as leftover", () => {
    const d = new FrameDemuxer();
    expect(d.push(two.subarray(0, 12))).toEqual([]);
    expect(d.leftover).toBe(12);
  });

  it("passes raw output through when the stream is not multiplexed", () => {
    expect(collect([Buffer.from("plain tty output")])).toEqual([["stdout", "plain tty output"]]);
  });

  it("reads an empty frame", () => {
    expect(collect([encodeFrame("stdout", Buffer.alloc(0))])).toEqual([["stdout", ""]]);
  });
});
