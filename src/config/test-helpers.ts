import { ConfigInvalidError } from "./config-invalid-error.js";
import { loadCiConfig } from "./load-ci-config.js";
import { memoryFileReader } from "./memory-file-reader.js";
import type { CiJob, LoadResult } from "./types.js";

/** Test-only: loads an in-memory project rooted at /p; keys are paths relative to it. */
export const PROJECT = "/p";

export interface TestLoadOptions {
  readonly file?: string;
  readonly variables?: Record<string, string>;
  readonly componentDir?: string;
  readonly extraFiles?: Record<string, string>;
}

export function loadFiles(files: Record<string, string>, options: TestLoadOptions = {}): Promise<LoadResult> {
  const absolute: Record<string, string> = { ...options.extraFiles };
  for (const [path, text] of Object.entries(files)) absolute[`${PROJECT}/${path}`] = text;
  return loadCiConfig({
    file: options.file ?? ".gitlab-ci.yml",
    projectDir: PROJECT,
    reader: memoryFileReader(absolute),
    ...(options.variables === undefined ? {} : { variables: options.variables }),
    ...(options.componentDir === undefined ? {} : { componentDir: options.componentDir }),
  });
}

/** Loads a single `.gitlab-ci.yml`. */
export function load(yaml: string, options: TestLoadOptions = {}): Promise<LoadResult> {
  return loadFiles({ ".gitlab-ci.yml": yaml }, options);
}

/** The formatted problems of a config that must be rejected. */
export async function problemsOf(
  files: Record<string, string> | string,
  options: TestLoadOptions = {},
): Promise<string[]> {
  try {
    await (typeof files === "string" ? load(files, options) : loadFiles(files, options));
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    return err.errors.map((e) => e.format());
  }
  throw new Error("expected the config to be rejected");
}

export async function jobOf(yaml: string, name: string, options: TestLoadOptions = {}): Promise<CiJob> {
  const { config } = await load(yaml, options);
  const job = config.jobs.find((j) => j.name === name);
  if (job === undefined) throw new Error(`no job ${name}`);
  return job;
}
