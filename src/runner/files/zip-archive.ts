/**
 * Zip archives of job files (fflate), keeping file modes and symlinks, and extraction that refuses any
 * entry escaping the target directory: traversal names, absolute paths, symlinks pointing outside, and
 * writes through symlinks already on disk.
 */
import {
  lstat,
  mkdir,
  readFile,
  readlink,
  realpath,
  rename,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { unzipSync, type Zippable, zipSync } from "fflate";
import { RunfleetError } from "../../errors/index.js";
import { checkEntryPath, symlinkStaysInside } from "./entry-path.js";

const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFMT = 0o170000;

/** `dirs` become directory entries (`name/`), so empty directories arrive too. */
export async function createZip(
  root: string,
  files: readonly string[],
  dirs: readonly string[] = [],
): Promise<Uint8Array> {
  const entries: Zippable = {};
  for (const rel of dirs) {
    const info = await lstat(join(root, rel));
    entries[`${rel}/`] = [
      new Uint8Array(0),
      { os: 3, attrs: (S_IFDIR | (info.mode & 0o7777)) * 0x10000, level: 0 },
    ];
  }
  for (const rel of files) {
    const full = join(root, rel);
    const info = await lstat(full);
    if (info.isSymbolicLink()) {
      entries[rel] = [
        Buffer.from(await readlink(full)),
        { os: 3, attrs: (S_IFLNK | 0o777) * 0x10000, level: 0 },
      ];
    } else if (info.isFile()) {
      entries[rel] = [await readFile(full), { os: 3, attrs: ((info.mode & 0o7777) | 0o100000) * 0x10000 }];
    }
  }
  return zipSync(entries, { level: 1 });
}

/** Unix modes of entries, read from the central directory (fflate does not expose them). */
export function readEntryModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return modes;
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  for (let n = 0; n < count && at + 46 <= zip.length; n++) {
    if (view.getUint32(at, true) !== 0x02014b50) break;
    const madeBy = view.getUint16(at + 4, true) >> 8;
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = Buffer.from(zip.subarray(at + 46, at + 46 + nameLen)).toString("utf8");
    if (madeBy === 3) modes.set(name, external >>> 16);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return modes;
}

function refuse(name: string, reason: string): RunfleetError {
  return new RunfleetError("FORBIDDEN", `archive entry "${name}" ${reason}; nothing was extracted past it`, {
    hint: "the archive is unsafe: it tries to write outside the job's directory",
  });
}

async function insideRoot(realRoot: string, dir: string): Promise<boolean> {
  const real = await realpath(dir);
  return real === realRoot || real.startsWith(realRoot + sep);
}

/** Extracts into `root`; throws FORBIDDEN (before writing that entry) for anything escaping it. */
export async function extractZip(zip: Uint8Array, root: string): Promise<string[]> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (err) {
    throw new RunfleetError("BAD_REQUEST", `not a readable zip archive: ${String(err)}`, { cause: err });
  }
  const modes = readEntryModes(zip);
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  // Check every name first, so a bad archive writes nothing at all.
  const plan: { name: string; path: string; data: Uint8Array; mode: number | undefined }[] = [];
  for (const [name, data] of Object.entries(entries)) {
    const check = checkEntryPath(name);
    if (!check.ok) throw refuse(name, check.reason);
    const mode = modes.get(name);
    if (
      mode !== undefined &&
      (mode & S_IFMT) === S_IFLNK &&
      !symlinkStaysInside(check.path, Buffer.from(data).toString("utf8"))
    ) {
      throw refuse(name, "is a symlink pointing outside");
    }
    plan.push({ name, path: check.path, data, mode });
  }
  const written: string[] = [];
  for (const { name, path, data, mode } of plan) {
    const target = join(realRoot, path);
    if (name.endsWith("/")) {
      await mkdir(target, { recursive: true });
      if (!(await insideRoot(realRoot, target))) throw refuse(name, "lies behind a symlink pointing outside");
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if (!(await insideRoot(realRoot, dirname(target))))
      throw refuse(name, "lies behind a symlink pointing outside");
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink() || (existing && !existing.isDirectory())) await unlink(target);
    if (mode !== undefined && (mode & S_IFMT) === S_IFLNK) {
      await symlink(Buffer.from(data).toString("utf8"), target);
    } else {
      const tmp = `${target}.runfleet-tmp`;
      await writeFile(tmp, data, { mode: mode !== undefined && mode & 0o777 ? mode & 0o777 : 0o644 });
      await rename(tmp, target);
    }
    written.push(path);
  }
  return written;
}
