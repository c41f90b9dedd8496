import { describe, expect, it } from "vitest";
import { DEFAULT_TOKEN_PREFIXES, TraceMasker } from "./trace-masker.js";

function mask(
  chunks: string[],
  secrets: string[] = ["s3cr3t-value"],
  prefixes = DEFAULT_TOKEN_PREFIXES,
): string {
  const m = new TraceMasker(secrets, prefixes);
  const parts = chunks.map((c) => m.write(Buffer.from(c, "utf8")).toString("utf8"));
  parts.push(m.flush().toString("utf8"));
  return parts.join("");
}

describe("TraceMasker", () => {
  it.each([
    ["whole secret", ["x s3cr3t-value y"], "x [MASKED] y"],
    ["split in two", ["x s3cr", "3t-value y"], "x [MASKED] y"],
    ["split in three", ["x s3", "cr3t-va", "lue y"], "x [MASKED] y"],
    ["split one byte at a time", [..."a s3cr3t-value b"], "a [MASKED] b"],
    ["false start then real", ["s3cr", "ap s3cr3t-value"], "s3crap [MASKED]"],
    ["twice", ["s3cr3t-value s3cr3t-value"], "[MASKED] [MASKED]"],
    ["token prefix", ["token glpat-abcDEF123_xyz end"], "token glpat-[MASKED] end"],
    ["token split across chunks", ["token glp", "at-abc", "DEF end"], "token glpat-[MASKED] end"],
    ["token at the very end", ["glrt-abc"], "glrt-[MASKED]"],
    ["bare prefix stays", ["glpat- alone"], "glpat- alone"],
    ["no secrets passes through", ["hello ", "world"], "hello world"],
  ])("%s", (_name, chunks, expected) => {
    expect(mask(chunks)).toBe(expected);
  });

  it("masks multi-byte secrets split inside a character", () => {
    const m = new TraceMasker(["pässwörd"], []);
    const bytes = Buffer.from("a pässwörd b", "utf8");
    const out = Buffer.concat([
      m.write(bytes.subarray(0, 4)),
      m.write(bytes.subarray(4, 9)),
      m.write(bytes.subarray(9)),
      m.flush(),
    ]);
    expect(out.toString("utf8")).toBe("a [MASKED] b");
  });

  it("holds back only what could start a secret", () => {
    const m = new TraceMasker(["secret"], []);
    expect(m.write(Buffer.from("abc sec")).toString()).toBe("abc ");
    expect(m.write(Buffer.from("ond")).toString()).toBe("second");
  });

  it.each([
    ["xaaab y aab", ["aab"], "xa[MASKED] y [MASKED]"],
    ["abab-abab-abc end", ["abab-abc"], "abab-[MASKED] end"],
    ["t glcbt-Tok glglrt-x", ["zz"], "t glcbt-[MASKED] glglrt-[MASKED]"],
  ])("masks %j the same wherever one chunk ends and the next begins", (text, secrets, expected) => {
    for (let cut = 0; cut <= text.length; cut++) {
      expect(mask([text.slice(0, cut), text.slice(cut)], secrets)).toBe(expected);
    }
  });

  it.each([
    ["glrtr-abc and glrt-def", DEFAULT_TOKEN_PREFIXES, "glrtr-[MASKED] and glrt-[MASKED]"],
    ["a.b-xyz axb-xyz", ["a.b-"], "a.b-[MASKED] axb-xyz"],
    ["(x)+tok (x)tok", ["(x)+"], "(x)+[MASKED] (x)tok"],
  ])("masks token prefixes in %j literally", (text, prefixes, expected) => {
    expect(mask([text], ["unused-secret"], prefixes)).toBe(expected);
  });

  it("prefers the longest overlapping secret", () => {
    expect(mask(["abc-long abc"], ["abc", "abc-long"], [])).toBe("[MASKED] [MASKED]");
  });
});

describe("TraceMasker throughput", () => {
  it("passes 8 MiB of output in small chunks through in well under a second per MiB", () => {
    const m = new TraceMasker(["a-secret-value"], DEFAULT_TOKEN_PREFIXES);
    const chunk = Buffer.from(`${"log line with some text and numbers 12345 ".repeat(100)}\n`);
    const started = performance.now();
    let out = 0;
    const n = Math.ceil((8 * 1024 * 1024) / chunk.length);
    for (let i = 0; i < n; i++) out += m.write(chunk).length;
    out += m.flush().length;
    expect(out).toBe(n * chunk.length);
    expect(performance.now() - started).toBeLessThan(8_000);
  });
});
