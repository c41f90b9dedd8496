import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type SourcesSpec, sourcesSpec } from "../../jobscript/index.js";
import { CleanCheckout } from "./clean-checkout.js";

const root = mkdtempSync(join(tmpdir(), "clean-checkout-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function spec(sha: string, vars: Record<string, string> = {}): SourcesSpec {
  return sourcesSpec({
    git: { repo_url: "x", ref: "main", sha, before_sha: "", ref_type: "branch", refspecs: [], depth: 0 },
    allowGitFetch: true,
    lookup: (n) => vars[n],
  });
}

function project(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, ".git"), { recursive: true });
  writeFileSync(join(dir, "README.md"), "hello\n");
  return dir;
}

describe("a slot's clean checkout", () => {
  it("is reusable for the same directory, commit and clean flags while the tree is untouched", async () => {
    const dir = project("same");
    const slot = new CleanCheckout();
    expect(slot.reusable(dir, spec("a"))).toBe(false);
    // Just written: the stamp waits out the racy window rather than trusting fresh ctimes.
    const began = Date.now();
    await slot.remember(dir, spec("a"));
    expect(Date.now() - began).toBeGreaterThanOrEqual(40);
    expect(slot.reusable(dir, spec("a"))).toBe(true);
    expect(slot.reusable(dir, spec("a"))).toBe(true);
  });

  it.each<[string, (dir: string) => [string, SourcesSpec]]>([
    ["another commit", (dir) => [dir, spec("b")]],
    ["other clean flags", (dir) => [dir, spec("a", { GIT_CLEAN_FLAGS: "-ffd" })]],
    ["another directory", () => [join(root, "elsewhere"), spec("a")]],
  ])("is not reusable for %s", async (_what, ask) => {
    const dir = project(`other-${_what.replace(/ /g, "-")}`);
    const slot = new CleanCheckout();
    await slot.remember(dir, spec("a"));
    const [where, wanted] = ask(dir);
    expect(slot.reusable(where, wanted)).toBe(false);
  });

  it("is forgotten once the job changed the tree, even if the change is undone", async () => {
    const dir = project("dirty");
    const slot = new CleanCheckout();
    await slot.remember(dir, spec("a"));
    writeFileSync(join(dir, "junk.txt"), "x");
    rmSync(join(dir, "junk.txt"));
    expect(slot.reusable(dir, spec("a"))).toBe(false);
    // Forgotten, not merely failed: the same question stays answered no.
    expect(slot.reusable(dir, spec("a"))).toBe(false);
  });
});
