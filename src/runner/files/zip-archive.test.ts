import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { createZip, extractZip, readEntryModes } from "./zip-archive.js";

const base = mkdtempSync(join(tmpdir(), "zip-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function dir(): string {
  const d = join(base, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

describe("createZip / extractZip", () => {
  it("round-trips files, modes and inside symlinks", async () => {
    const src = dir();
    mkdirSync(join(src, "bin"));
    writeFileSync(join(src, "bin", "tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    writeFileSync(join(src, "data.txt"), "data");
    symlinkSync("bin/tool", join(src, "tool-link"));
    const zip = await createZip(src, ["bin/tool", "data.txt", "tool-link"]);
    expect(readEntryModes(zip).get("bin/tool")).toBe(0o100755);
    const out = dir();
    expect(await extractZip(zip, out)).toEqual(["bin/tool", "data.txt", "tool-link"]);
    expect(statSync(join(out, "bin", "tool")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(out, "data.txt"), "utf8")).toBe("data");
    expect(readlinkSync(join(out, "tool-link"))).toBe("bin/tool");
  });

  it("stores directories as entries, so an empty one arrives", async () => {
    const src = dir();
    mkdirSync(join(src, "out", "empty"), { recursive: true, mode: 0o750 });
    writeFileSync(join(src, "out", "f"), "f");
    const zip = await createZip(src, ["out/f"], ["out", "out/empty"]);
    expect((readEntryModes(zip).get("out/empty/") ?? 0) & 0o170000).toBe(0o040000);
    const out = dir();
    expect(await extractZip(zip, out)).toEqual(["out/f"]);
    expect(statSync(join(out, "out", "empty")).isDirectory()).toBe(true);
    expect(readFileSync(join(out, "out", "f"), "utf8")).toBe("f");
  });

  it.each([
    ["../evil.txt"],
    ["a/../../evil.txt"],
    ["/tmp/evil.txt"],
  ])("refuses entry %j and writes nothing", async (name) => {
    const out = dir();
    const zip = zipSync({ "ok.txt": Buffer.from("fine"), [name]: Buffer.from("evil") });
    await expect(extractZip(zip, out)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(existsSync(join(out, "ok.txt"))).toBe(false);
    expect(existsSync(join(base, "evil.txt"))).toBe(false);
  });

  it("refuses a symlink entry pointing outside", async () => {
    const src = dir();
    symlinkSync("../../../etc", join(src, "escape"));
    const zip = await createZip(src, ["escape"]);
    await expect(extractZip(zip, dir())).rejects.toThrow(/symlink pointing outside/);
  });

  it("refuses to write through a symlink already on disk", async () => {
    const outside = dir();
    const out = dir();
    symlinkSync(outside, join(out, "sneaky"));
    const zip = zipSync({ "sneaky/file.txt": Buffer.from("evil") });
    await expect(extractZip(zip, out)).rejects.toThrow(/behind a symlink/);
    expect(existsSync(join(outside, "file.txt"))).toBe(false);
  });

  it("replaces an existing symlink file rather than writing through it", async () => {
    const outside = dir();
    writeFileSync(join(outside, "victim"), "safe");
    const out = dir();
    symlinkSync(join(outside, "victim"), join(out, "f.txt"));
    await extractZip(zipSync({ "f.txt": Buffer.from("new") }), out);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("safe");
    expect(lstatSync(join(out, "f.txt")).isSymbolicLink()).toBe(false);
  });

  it("rejects garbage", async () => {
    await expect(extractZip(Buffer.from("not a zip"), dir())).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
