/**
 * The variables a job's shell sees, resolved once per job the way GitLab Runner does: runner
 * `environment`, then the job's variables, then the runner's own `CI_*` (which a job cannot override).
 * The last definition of a key wins; non-raw values get one level of `$X` expansion; a `file` variable
 * expands to the path its value is written to.
 */
import type { JobVariable } from "../protocol/index.js";
import { expandVariables } from "./expand-variables.js";

export interface ResolvedVariable {
  readonly key: string;
  /** Expanded value; for a file variable, the file's content. */
  readonly value: string;
  readonly masked: boolean;
  /** Set for file variables: where the content is written and what `$KEY` holds. */
  readonly path?: string;
}

export interface JobVariablesInput {
  readonly jobVariables: readonly JobVariable[];
  /** `environment = ["K=V", …]` from the runner's config. */
  readonly runnerEnvironment: readonly string[];
  /** Variables the runner defines itself (`CI_BUILDS_DIR`, `CI_PROJECT_DIR`, `CI_CONCURRENT_ID`…). */
  readonly runnerVariables: Readonly<Record<string, string>>;
  /** Directory that receives file variables (`RUNNER_TEMP_PROJECT_DIR`). */
  readonly tempDir: string;
}

interface Definition {
  readonly key: string;
  readonly value: string;
  readonly masked: boolean;
  readonly raw: boolean;
  readonly file: boolean;
}

function parseEnvironmentEntry(entry: string): Definition | undefined {
  const eq = entry.indexOf("=");
  if (eq <= 0) return undefined;
  return { key: entry.slice(0, eq), value: entry.slice(eq + 1), masked: false, raw: false, file: false };
}

function filePath(tempDir: string, key: string): string {
  return `${tempDir.replace(/\/+$/, "")}/${key}`;
}

export function resolveJobVariables(input: JobVariablesInput): ResolvedVariable[] {
  const definitions: Definition[] = [];
  for (const entry of input.runnerEnvironment) {
    const def = parseEnvironmentEntry(entry);
    if (def) definitions.push(def);
  }
  for (const v of input.jobVariables) {
    definitions.push({
      key: v.key,
      value: v.value,
      masked: v.masked,
      raw: v.raw === true,
      file: v.file === true,
    });
  }
  for (const [key, value] of Object.entries(input.runnerVariables)) {
    definitions.push({ key, value, masked: false, raw: true, file: false });
  }
  const last = new Map<string, Definition>();
  for (const def of definitions) {
    last.delete(def.key); // re-insert so the order reflects the winning definition
    last.set(def.key, def);
  }
  const lookup = (name: string): string | undefined => {
    const def = last.get(name);
    if (def === undefined) return undefined;
    return def.file ? filePath(input.tempDir, def.key) : def.value;
  };
  const resolved: ResolvedVariable[] = [];
  for (const def of last.values()) {
    const value = def.raw ? def.value : expandVariables(def.value, lookup);
    resolved.push(
      def.file
        ? { key: def.key, value, masked: def.masked, path: filePath(input.tempDir, def.key) }
        : { key: def.key, value, masked: def.masked },
    );
  }
  return resolved;
}

/** Lookup for expanding cache keys, artifact paths and similar runner-side values. */
export function variableLookup(variables: readonly ResolvedVariable[]): (name: string) => string | undefined {
  const map = new Map<string, string>();
  for (const v of variables) map.set(v.key, v.path ?? v.value);
  return (name) => map.get(name);
}
