/**
 * Archive entry names checked before anything touches the disk: an entry must stay inside the directory
 * it is extracted into — no absolute paths, no drive letters, no `..`, no NUL.
 */
export type EntryPathCheck =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

export function checkEntryPath(name: string): EntryPathCheck {
  if (name.includes("\0")) return { ok: false, reason: "contains a NUL byte" };
  const unified = name.replaceAll("\\", "/");
  if (unified.startsWith("/")) return { ok: false, reason: "is an absolute path" };
  if (/^[A-Za-z]:/.test(unified)) return { ok: false, reason: "names a drive" };
  const parts = unified.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return { ok: false, reason: "climbs out with `..`" };
  if (parts.length === 0) return { ok: false, reason: "is empty" };
  return { ok: true, path: parts.join("/") };
}

/** Whether a symlink at `linkPath` (relative to the root) pointing at `target` stays inside the root. */
export function symlinkStaysInside(linkPath: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\0")) return false;
  const stack = linkPath.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return false;
      stack.pop();
    } else stack.push(part);
  }
  return true;
}
