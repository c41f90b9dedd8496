import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, jobIdOfToken, newJobToken, newToken } from "./tokens.js";

describe("tokens", () => {
  it.each([["glcbt-abc"], ["glrt-xyz"], [""], ["GR1348941token"]])("hashToken(%j) is its sha256 hex", (t) => {
    const expected = createHash("sha256").update(t).digest("hex");
    expect(hashToken(t)).toBe(expected);
    expect(hashToken(t)).toBe(expected);
  });

  it("stays right past the memo's bound", () => {
    const tokens = Array.from({ length: 10_000 }, (_, i) => `glcbt-${i}`);
    for (const t of tokens) hashToken(t);
    for (const t of [tokens[0], tokens[5000], tokens[9999]]) {
      expect(hashToken(t ?? "")).toBe(
        createHash("sha256")
          .update(t ?? "")
          .digest("hex"),
      );
    }
  });

  it.each([
    ["job", /^glcbt-[A-Za-z0-9_-]{27}$/],
    ["runner", /^glrt-[A-Za-z0-9_-]{27}$/],
    ["registration", /^GR1348941[A-Za-z0-9_-]{27}$/],
  ] as const)("newToken(%s) is prefixed, 20 random bytes, never repeated", (kind, shape) => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const t = newToken(kind);
      expect(t).toMatch(shape);
      seen.add(t);
    }
    expect(seen.size).toBe(1000);
  });

  it.each([
    1,
    35,
    36,
    123_456,
    2 ** 40,
  ])("newJobToken(%i) names its job and is 20 random bytes after it", (id) => {
    const token = newJobToken(id);
    expect(token).toMatch(/^glcbt-[0-9a-z]+_[A-Za-z0-9_-]{27}$/);
    expect(jobIdOfToken(token)).toBe(id);
    expect(newJobToken(id)).not.toBe(token);
  });

  it.each([
    ["a plain random job token, even with _ in it", `glcbt-${"a_".repeat(13)}b`],
    ["another prefix", `glrt-1_${"x".repeat(27)}`],
    ["an id that is not base 36", `glcbt-1A_${"x".repeat(27)}`],
    ["no id", `glcbt-_${"x".repeat(27)}`],
    ["too short a random part", "glcbt-1_xyz"],
  ])("jobIdOfToken: %s names no job", (_, token) => {
    expect(jobIdOfToken(token)).toBeUndefined();
  });

  it("stores a job token's digest after its job id, so digests sort in hand-out order", () => {
    const tokens = [9, 10, 300, 5000, 70_000].map(newJobToken);
    const digests = tokens.map(hashToken);
    expect([...digests].sort()).toEqual(digests);
    for (const [i, t] of tokens.entries()) {
      expect(digests[i]).toBe(
        `${(jobIdOfToken(t) ?? 0).toString(16).padStart(13, "0")}.${createHash("sha256").update(t).digest("hex")}`,
      );
    }
    const plain = `glcbt-${"a_".repeat(13)}b`;
    expect(hashToken(plain)).toBe(createHash("sha256").update(plain).digest("hex"));
  });
});
