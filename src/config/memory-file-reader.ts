import { posix } from "node:path";
import type { FileReader } from "./types.js";

/** An in-memory file system for tests: absolute path → content. */
export function memoryFileReader(files: Readonly<Record<string, string>>): FileReader {
  return {
    async readFile(path) {
      return files[posix.normalize(path)];
    },
    async size(path) {
      const text = files[posix.normalize(path)];
      return text === undefined ? undefined : Buffer.byteLength(text);
    },
    async listFiles(dir) {
      const prefix = dir.endsWith("/") ? dir : `${dir}/`;
      return Object.keys(files)
        .filter((f) => f.startsWith(prefix))
        .map((f) => f.slice(prefix.length))
        .sort();
    },
  };
}
