import { stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { RunfleetError } from "../errors/index.js";

export const DEFAULT_CONFIG_FILE = ".gitlab-ci.yml";

/**
 * The rule for which config a run uses: `--file` is relative to `--cwd`; without it, the nearest
 * `.gitlab-ci.yml` from `--cwd` up to the project root (so a subdirectory run of a repository uses the
 * repository's file, and `--cwd examples/x` uses the example's own file). Returns an absolute path.
 */
export async function findConfigFile(
  cwd: string,
  projectRoot: string,
  file: string | undefined,
): Promise<string> {
  if (file !== undefined) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    if (!(await isFile(path))) {
      throw new RunfleetError("CONFIG_NOT_FOUND", `config file ${path} does not exist`, {
        hint: "--file is relative to --cwd (or to the current directory)",
      });
    }
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_CONFIG_FILE);
    if (await isFile(candidate)) return candidate;
    const rel = relative(projectRoot, dir);
    if (rel === "" || rel.startsWith("..") || dir === dirname(dir)) break;
  }
  throw new RunfleetError(
    "CONFIG_NOT_FOUND",
    `no ${DEFAULT_CONFIG_FILE} in ${cwd} or above it up to ${projectRoot}`,
    {
      hint: "create one, or name it with --file",
    },
  );
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ?? false;
}
