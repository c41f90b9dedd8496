/**
 * Finds the files an artifact or cache entry names: `paths` globs (with `**`) relative to the project
 * directory, a matched directory bringing everything under it, minus `exclude`, plus git's untracked
 * files when asked. Only the part of the tree a pattern can reach is walked. Directories met under a
 * matched path are kept too (GitLab Runner's archiver stores them), so an emptied or excluded-into
 * directory still arrives.
 */
import { execFile } from "node:child_process";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";

export interface CollectSpec {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly untracked: boolean;
}

export interface CollectResult {
  /** Relative paths of files and symlinks, sorted. */
  readonly files: string[];
  /** Relative paths of the directories under matched paths that no exclude pattern matches, sorted. */
  readonly dirs: string[];
  /** Patterns that matched nothing, to warn about. */
  readonly unmatched: string[];
}

function normalizePattern(pattern: string): string {
  return pattern.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/** The leading path segments of a pattern that hold no glob syntax: where walking can start. */
export function staticBase(pattern: string): string {
  const parts = pattern.split("/");
  const base: string[] = [];
  for (const part of parts) {
    if (picomatch.scan(part).isGlob) break;
    base.push(part);
  }
  return base.join("/");
}

interface Walked {
  readonly files: string[];
  readonly dirs: string[];
}

async function walk(root: string, rel: string, out: Walked): Promise<void> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(join(root, rel));
  } catch {
    return;
  }
  if (!info.isDirectory()) {
    if (rel !== "") out.files.push(rel);
    return;
  }
  if (rel === ".git") return;
  if (rel !== "") out.dirs.push(rel);
  const entries = await readdir(join(root, rel));
  for (const entry of entries) await walk(root, rel === "" ? entry : `${rel}/${entry}`, out);
}

/** A path matches itself or through a matched directory above it. */
function matchedOrUnder(path: string, matches: (p: string) => boolean): boolean {
  const parts = path.split("/");
  for (let i = parts.length; i > 0; i--) if (matches(parts.slice(0, i).join("/"))) return true;
  return false;
}

function gitUntracked(root: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["ls-files", "--others", "-z"],
      { cwd: root, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout) => {
        resolve(err ? [] : stdout.split("\0").filter((p) => p !== ""));
      },
    );
  });
}

export async function collectFiles(root: string, spec: CollectSpec): Promise<CollectResult> {
  const found = new Set<string>();
  const foundDirs = new Set<string>();
  const unmatched: string[] = [];
  const excluded =
    spec.exclude.length > 0 ? picomatch(spec.exclude.map(normalizePattern), { dot: true }) : () => false;
  // GitLab Runner's matcher (doublestar): `dir/**` matches what is under dir, not dir itself — which
  // picomatch's `**` would (it also matches no segment at all).
  const dirExcluded =
    spec.exclude.length > 0
      ? picomatch(
          spec.exclude.map((p) => {
            const pattern = normalizePattern(p);
            return pattern.endsWith("/**") ? `${pattern}/*` : pattern;
          }),
          { dot: true },
        )
      : () => false;
  for (const raw of spec.paths) {
    const pattern = normalizePattern(raw);
    if (pattern === "" || pattern.split("/").includes("..")) {
      unmatched.push(raw);
      continue;
    }
    const candidates: Walked = { files: [], dirs: [] };
    await walk(root, staticBase(pattern), candidates);
    const matches = picomatch(pattern, { dot: true });
    let hit = false;
    for (const file of candidates.files) {
      if (matchedOrUnder(file, matches) && !excluded(file)) {
        found.add(file);
        hit = true;
      }
    }
    for (const dir of candidates.dirs) {
      if (matchedOrUnder(dir, matches) && !dirExcluded(dir)) {
        foundDirs.add(dir);
        hit = true;
      }
    }
    if (!hit) unmatched.push(raw);
  }
  if (spec.untracked) for (const file of await gitUntracked(root)) if (!excluded(file)) found.add(file);
  return { files: [...found].sort(), dirs: [...foundDirs].sort(), unmatched };
}
