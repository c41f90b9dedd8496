import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyTempDir, writeStageFile } from "./temp-dir.js";

let root = "";
let dir = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "temp-dir-"));
  dir = join(root, "project.tmp");
  mkdirSync(dir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("a job's temporary directory", () => {
  it("writes a stage script executable by its owner only, replacing the last job's", () => {
    const path = writeStageFile(dir, "step_script.sh", "echo a long first script\n");
    expect(statSync(path).mode & 0o777).toBe(0o700);
    const inode = statSync(path).ino;
    writeStageFile(dir, "step_script.sh", "echo b\n");
    expect(readFileSync(path, "utf8")).toBe("echo b\n");
    expect(statSync(path).ino).toBe(inode);
  });

  it("rewrites a shorter script over a longer one without leftovers", () => {
    const path = writeStageFile(dir, "step_script.sh", "echo a much longer first script\n");
    emptyTempDir(dir, new Set(["step_script.sh"]));
    writeStageFile(dir, "step_script.sh", "echo b\n");
    expect(readFileSync(path, "utf8")).toBe("echo b\n");
  });

  it("keeps nothing of the job: stage scripts zeroed, file variables and the job's leftovers removed", () => {
    const script = writeStageFile(dir, "step_script.sh", "export SECRET=s3cr3t\n");
    writeFileSync(join(dir, "KUBECONFIG"), "secret file variable");
    mkdirSync(join(dir, "nested"));
    writeFileSync(join(dir, "nested", "x"), "x");
    emptyTempDir(dir, new Set(["step_script.sh"]));
    expect(readFileSync(script, "utf8")).toBe("\0".repeat("export SECRET=s3cr3t\n".length));
    expect(existsSync(join(dir, "KUBECONFIG"))).toBe(false);
    expect(existsSync(join(dir, "nested"))).toBe(false);
  });

  it("never writes or truncates through a symlink a job left in a stage script's place", () => {
    const outside = join(root, "precious.txt");
    writeFileSync(outside, "keep me");
    symlinkSync(outside, join(dir, "after_script.sh"));
    symlinkSync(outside, join(dir, "step_script.sh"));
    expect(readFileSync(writeStageFile(dir, "after_script.sh", "echo x"), "utf8")).toBe("echo x");
    emptyTempDir(dir, new Set(["step_script.sh"]));
    expect(readFileSync(outside, "utf8")).toBe("keep me");
    expect(existsSync(join(dir, "step_script.sh"))).toBe(false);
  });

  it("accepts a directory the job removed", () => {
    rmSync(dir, { recursive: true });
    expect(() => emptyTempDir(dir, new Set())).not.toThrow();
  });
});
