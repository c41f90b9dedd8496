import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, newToken } from "./tokens.js";

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
});
