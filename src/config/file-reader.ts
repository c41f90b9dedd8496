import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FileReader } from "./types.js";

/** Folders never searched by `include:` wildcards: not part of the repository's CI files. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/** The loader's view of the real file system. */
export const nodeFileReader: FileReader = {
  async readFile(path) {
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
  async size(path) {
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
  async realPath(path) {
    try {
      return await realpath(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
  async listFiles(dir) {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(join(dir, rel), { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        const path = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name)) await walk(path);
        } else if (e.isFile()) {
          out.push(path);
        }
      }
    };
    await walk("");
    return out.sort();
  },
};

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}
