/** bash when the machine has it, else POSIX sh — the same choice GitLab Runner's shell makes. */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { ShellKind } from "../../jobscript/index.js";

export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function detectShell(path: string | undefined): { readonly kind: ShellKind; readonly binary: string } {
  const bash = findOnPath("bash", path);
  if (bash) return { kind: "bash", binary: bash };
  return { kind: "sh", binary: findOnPath("sh", path) ?? "/bin/sh" };
}
