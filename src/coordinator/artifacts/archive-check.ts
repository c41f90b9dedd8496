/**
 * Refuses archives that would write outside the job's directory when extracted: absolute paths,
 * `..` segments, drive letters, and symlinks (checked by name; the runner refuses link targets too).
 */
import { gunzipSync, unzipSync } from "fflate";
import { RunfleetError } from "../../errors/index.js";

export function unsafeEntry(name: string): boolean {
  const normalized = name.replace(/\\/g, "/");
  if (normalized.startsWith("/") || /^[A-Za-z]:/.test(normalized)) return true;
  return normalized.split("/").some((seg) => seg === "..");
}

/** Entry names of a zip archive, without inflating anything. */
export function zipEntryNames(data: Uint8Array): string[] {
  const names: string[] = [];
  try {
    unzipSync(data, {
      filter: (file) => {
        names.push(file.name);
        return false;
      },
    });
  } catch (cause) {
    throw new RunfleetError("BAD_REQUEST", "the artifact is not a valid zip archive", { cause });
  }
  return names;
}

export function checkArchive(format: string, data: Uint8Array): void {
  if (format === "zip") {
    const bad = zipEntryNames(data).find(unsafeEntry);
    if (bad !== undefined) {
      throw new RunfleetError("BAD_REQUEST", `artifact archive entry "${bad}" points outside the archive`, {
        hint: "archives may only hold relative paths without `..`",
      });
    }
  } else if (format === "gzip") {
    try {
      gunzipSync(data);
    } catch (cause) {
      throw new RunfleetError("BAD_REQUEST", "the artifact is not valid gzip data", { cause });
    }
  }
}

/** One file out of a zip archive, as text; undefined when absent. */
export function readZipText(data: Uint8Array, path: string): string | undefined {
  const wanted = path.replace(/^\.\//, "");
  const files = unzipSync(data, { filter: (f) => f.name === wanted });
  const file = files[wanted];
  return file === undefined ? undefined : Buffer.from(file).toString("utf8");
}
