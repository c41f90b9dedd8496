import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RACY_WINDOW_MS, stampTree, type TreeStamp, treeUnchanged } from "./tree-stamp.js";

let dir = "";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tree-stamp-"));
  mkdirSync(join(dir, "sub", "deep"), { recursive: true });
  writeFileSync(join(dir, "a.txt"), "a\n");
  writeFileSync(join(dir, "sub", "b.txt"), "b\n");
  writeFileSync(join(dir, "sub", "deep", "c.txt"), "c\n");
  symlinkSync("a.txt", join(dir, "link"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A real stamp: waits until the fresh entries are older than the racy window. */
async function stamp(): Promise<TreeStamp> {
  await sleep(RACY_WINDOW_MS + 20);
  const result = stampTree(dir);
  if (result.kind !== "stamped") throw new Error(`expected a stamp, got ${result.kind}`);
  return result.stamp;
}

describe("tree stamp", () => {
  it("refuses entries changed within the racy window and says when to retry", () => {
    const result = stampTree(dir);
    expect(result.kind).toBe("racy");
    if (result.kind === "racy") expect(result.retryAt).toBeGreaterThan(Date.now());
  });

  it("holds while nothing changes, however often it is checked", async () => {
    const s = await stamp();
    expect(s.paths).toHaveLength(7);
    expect(treeUnchanged(s)).toBe(true);
    expect(treeUnchanged(s)).toBe(true);
  });

  it.each<[string, (d: string) => void]>([
    ["a file rewritten with the same size", (d) => writeFileSync(join(d, "a.txt"), "z\n")],
    ["a deep file appended to", (d) => writeFileSync(join(d, "sub", "deep", "c.txt"), "c\nmore\n")],
    ["a file added deep down", (d) => writeFileSync(join(d, "sub", "deep", "new.txt"), "")],
    ["a directory added", (d) => mkdirSync(join(d, "ignored"))],
    ["a file removed", (d) => unlinkSync(join(d, "sub", "b.txt"))],
    ["a file renamed over another", (d) => renameSync(join(d, "sub", "b.txt"), join(d, "a.txt"))],
    ["a mode changed", (d) => chmodSync(join(d, "a.txt"), 0o755)],
    ["a hard link made elsewhere", (d) => linkSync(join(d, "a.txt"), join(tmpdir(), `ts-${process.pid}`))],
    [
      "times set back after a change",
      (d) => {
        writeFileSync(join(d, "a.txt"), "z\n");
        utimesSync(join(d, "a.txt"), new Date(2000, 1, 1), new Date(2000, 1, 1));
      },
    ],
    [
      "a symlink retargeted",
      (d) => {
        unlinkSync(join(d, "link"));
        symlinkSync("sub", join(d, "link"));
      },
    ],
    ["the root removed", (d) => rmSync(d, { recursive: true })],
  ])("notices %s", async (_what, change) => {
    const s = await stamp();
    change(dir);
    expect(treeUnchanged(s)).toBe(false);
    rmSync(join(tmpdir(), `ts-${process.pid}`), { force: true });
  });

  it("gives up on trees too large to be worth walking", () => {
    expect(stampTree(dir, () => Date.now() + 60_000, 3)).toEqual({
      kind: "unsupported",
      why: "too_many_entries",
    });
  });

  it("gives up on a directory that does not exist", () => {
    expect(stampTree(join(dir, "missing"))).toEqual({ kind: "unsupported", why: "missing" });
  });
});
