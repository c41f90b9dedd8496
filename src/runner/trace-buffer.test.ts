import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { TraceBuffer } from "./trace-buffer.js";
import { TraceMasker } from "./trace-masker.js";

function buffer(limit = 1024 * 1024, secrets: string[] = []): TraceBuffer {
  return new TraceBuffer(new TraceMasker(secrets, []), limit);
}

describe("TraceBuffer", () => {
  it("hands out patches from the acknowledged offset", () => {
    const b = buffer();
    b.write("hello ");
    b.write("world");
    expect(b.nextPatch(4)).toEqual({ start: 0, bytes: Buffer.from("hell") });
    b.acknowledge(4);
    expect(b.nextPatch()).toEqual({ start: 4, bytes: Buffer.from("o world") });
    b.acknowledge(11);
    expect(b.nextPatch()).toBeUndefined();
  });

  it.each([
    ["back (coordinator lost bytes)", 3, { start: 3, bytes: Buffer.from("lo world") }],
    ["forward (a retried patch had landed)", 11, undefined],
    ["beyond what exists is clamped", 99, undefined],
  ])("resyncs %s", (_name, offset, expected) => {
    const b = buffer();
    b.write("hello world");
    b.acknowledge(6);
    b.acknowledge(offset);
    expect(b.nextPatch()).toEqual(expected);
  });

  it("masks before storing, across writes", () => {
    const b = buffer(1024, ["topsecret"]);
    b.write("a tops");
    b.write("ecret b");
    b.finish();
    expect(b.contents().toString()).toBe("a [MASKED] b");
  });

  it("stops at the output limit with a notice", () => {
    const b = buffer(10);
    b.write("0123456789abcdef");
    b.write("zzz");
    b.finish();
    const text = b.contents().toString();
    expect(text.startsWith("0123456789\n")).toBe(true);
    expect(text).toContain("exceeded limit of 10 bytes");
    expect(text).not.toContain("zzz");
  });

  it("computes GitLab's crc32 checksum", () => {
    const b = buffer();
    b.write("abc");
    b.finish();
    expect(b.checksum()).toBe(`crc32:${crc32("abc").toString(16).padStart(8, "0")}`);
    expect(b.checksum()).toBe("crc32:352441c2");
  });

  it("grows past its initial capacity", () => {
    const b = buffer(10 * 1024 * 1024);
    const chunk = "x".repeat(10_000);
    for (let i = 0; i < 100; i++) b.write(chunk);
    expect(b.byteSize).toBe(1_000_000);
  });
});
