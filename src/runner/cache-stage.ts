/**
 * restore_cache and archive_cache for runners whose executor exposes the project on the runner's disk:
 * one zip per key under `cache_dir/<project path>/<key>/cache.zip`, `policy` pull/push/pull-push,
 * `when`, `fallback_keys` and `CACHE_FALLBACK_KEY`. Cache trouble is a warning, never a job failure.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import { expandVariables } from "../jobscript/index.js";
import type { ArtifactWhen, JobCache } from "../protocol/index.js";
import { collectFiles } from "./files/collect-files.js";
import { createZip, extractZip } from "./files/zip-archive.js";

export interface CacheContext {
  readonly cacheDir: string;
  readonly projectPath: string;
  readonly projectDir: string;
  readonly lookup: (name: string) => string | undefined;
  readonly log: (line: string) => void;
}

/** A key usable as one directory name, or undefined when GitLab would refuse it too. */
export function sanitizeCacheKey(key: string): string | undefined {
  const trimmed = key.trim();
  if (trimmed === "" || /^\.+$/.test(trimmed) || trimmed.includes("/") || trimmed.includes("\\"))
    return undefined;
  return encodeURIComponent(trimmed);
}

export function cacheFile(ctx: Pick<CacheContext, "cacheDir" | "projectPath">, key: string): string {
  return join(ctx.cacheDir, ctx.projectPath, key, "cache.zip");
}

/**
 * An artifact or cache path as the archiver takes it: relative to the project directory. GitLab Runner
 * also accepts an absolute path inside the project (`$CI_PROJECT_DIR/dist/`) and refuses one outside
 * it (undefined here: the caller warns and skips it).
 */
export function relativeToProject(path: string, projectDir: string): string | undefined {
  if (!isAbsolute(path)) return path;
  const rel = relative(projectDir, path);
  if (rel === "") return "**";
  if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) return undefined;
  return path.endsWith("/") ? `${rel}/` : rel;
}

/** Expands each path and makes it project-relative; the ones outside the project are logged and left out. */
export function projectPaths(
  paths: readonly string[],
  ctx: Pick<CacheContext, "lookup" | "projectDir" | "log">,
): string[] {
  return paths.flatMap((p) => {
    const expanded = expandVariables(p, ctx.lookup);
    const rel = relativeToProject(expanded, ctx.projectDir);
    if (rel === undefined)
      ctx.log(`WARNING: ${expanded}: not inside the project directory ${ctx.projectDir}`);
    return rel === undefined ? [] : [rel];
  });
}

export function whenApplies(when: ArtifactWhen, succeeded: boolean): boolean {
  return when === "always" || (when === "on_success") === succeeded;
}

function expandedKeys(ctx: CacheContext, cache: JobCache): string[] {
  const keys = [cache.key, ...cache.fallback_keys];
  const global = ctx.lookup("CACHE_FALLBACK_KEY");
  if (global) keys.push(global);
  return keys.map((k) => expandVariables(k, ctx.lookup));
}

export async function restoreCaches(ctx: CacheContext, caches: readonly JobCache[]): Promise<void> {
  for (const cache of caches) {
    if (cache.policy === "push") {
      ctx.log(`Not downloading cache ${cache.key} due to policy`);
      continue;
    }
    let restored = false;
    for (const raw of expandedKeys(ctx, cache)) {
      const key = sanitizeCacheKey(raw);
      if (key === undefined) {
        ctx.log(`WARNING: cache key "${raw}" is not usable (empty, dots only, or contains a slash)`);
        continue;
      }
      ctx.log(`Checking cache for ${raw}...`);
      const zip = await readFile(cacheFile(ctx, key)).catch(() => undefined);
      if (zip === undefined) continue;
      try {
        await extractZip(zip, ctx.projectDir);
        ctx.log(`Successfully extracted cache`);
        restored = true;
        break;
      } catch (err) {
        ctx.log(
          `WARNING: cache ${raw} could not be extracted: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    if (!restored) ctx.log(`WARNING: no cache found for ${cache.key}`);
  }
}

export async function archiveCaches(
  ctx: CacheContext,
  caches: readonly JobCache[],
  succeeded: boolean,
): Promise<void> {
  for (const cache of caches) {
    if (cache.policy === "pull") {
      ctx.log(`Not uploading cache ${cache.key} due to policy`);
      continue;
    }
    if (!whenApplies(cache.when, succeeded)) continue;
    const raw = expandVariables(cache.key, ctx.lookup);
    const key = sanitizeCacheKey(raw);
    if (key === undefined) {
      ctx.log(`WARNING: cache key "${raw}" is not usable; cache not saved`);
      continue;
    }
    ctx.log(`Creating cache ${raw}...`);
    try {
      const paths = projectPaths(cache.paths, ctx);
      const found = await collectFiles(ctx.projectDir, { paths, exclude: [], untracked: cache.untracked });
      for (const p of found.unmatched) ctx.log(`WARNING: ${p}: no matching files`);
      const file = cacheFile(ctx, key);
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, await createZip(ctx.projectDir, found.files, found.dirs));
      await rename(tmp, file); // atomic: concurrent jobs sharing a key never see half a file
      ctx.log(`Created cache (${found.files.length} files)`);
    } catch (err) {
      ctx.log(`WARNING: cache ${raw} not saved: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
