import { describe, expect, it } from "vitest";
import { checkEntryPath, symlinkStaysInside } from "./entry-path.js";

describe("checkEntryPath", () => {
  it.each([
    ["a/b.txt", "a/b.txt"],
    ["./a/./b.txt", "a/b.txt"],
    ["dir/", "dir"],
    ["a//b", "a/b"],
  ])("accepts %j as %j", (name, path) => {
    expect(checkEntryPath(name)).toEqual({ ok: true, path });
  });

  it.each([
    ["../evil", "climbs out"],
    ["a/../../evil", "climbs out"],
    ["a\\..\\..\\evil", "climbs out"],
    ["/etc/passwd", "absolute"],
    ["\\etc\\passwd", "absolute"],
    ["C:/Windows/x", "drive"],
    ["a\0b", "NUL"],
    ["./", "empty"],
  ])("refuses %j (%s)", (name, reason) => {
    const check = checkEntryPath(name);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });
});

describe("symlinkStaysInside", () => {
  it.each([
    ["link", "target", true],
    ["a/link", "../b", true],
    ["a/b/link", "../../c", true],
    ["link", "../outside", false],
    ["a/link", "../../outside", false],
    ["link", "/etc/passwd", false],
    ["a/link", "./x/../../y", true],
  ])("%s → %s: %s", (link, target, inside) => {
    expect(symlinkStaysInside(link, target)).toBe(inside);
  });
});
