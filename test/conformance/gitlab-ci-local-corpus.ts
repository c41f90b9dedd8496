/**
 * Reads the held-out gitlab-ci-local corpus (`../shared/conformance/gitlab-ci-local/`): every case's
 * recorded runs, grouped by what decides the plan (file, folder, variables, git set-up), each with
 * the `--list-json` job inventory gitlab-ci-local produced for it or the error it stopped with.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";

export interface InventoryNeed {
  readonly job?: string;
  readonly pipeline?: string;
  readonly project?: string;
  readonly artifacts?: boolean;
  readonly optional?: boolean;
}

export interface InventoryJob {
  readonly name: string;
  readonly stage: string;
  readonly when: string;
  readonly allow_failure: boolean | { readonly exit_codes: number | readonly number[] };
  readonly needs?: readonly InventoryNeed[];
}

export interface RecordedRun {
  readonly id: string;
  readonly mode: string;
  readonly error?: string;
}

/** One distinct planning input of a case, and the runs recorded with it. */
export interface PlanInput {
  readonly caseName: string;
  /** `<case>/<first run id>`: how the differences table names it. */
  readonly key: string;
  readonly cwd: string;
  readonly file: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly setup?: string;
  readonly evaluateChanges: boolean;
  readonly runs: readonly RecordedRun[];
  /** The inventory, or undefined when gitlab-ci-local rejected the config before listing jobs. */
  readonly jobs?: readonly InventoryJob[];
  readonly inventoryError?: string;
}

interface RawStep {
  readonly id?: string | null;
  readonly setup?: string | null;
  readonly summary?: { readonly mode?: string; readonly error?: string };
  readonly job_inventory: {
    readonly args: readonly string[];
    readonly jobs?: readonly InventoryJob[];
    readonly error?: string;
  };
}

interface RawRun extends RawStep {
  readonly steps?: readonly RawStep[];
}

export function corpusCases(corpus: string): string[] {
  return readdirSync(join(corpus, "cases")).sort();
}

export function planInputs(corpus: string, caseName: string): PlanInput[] {
  const expected = JSON.parse(readFileSync(join(corpus, "cases", caseName, "expected.json"), "utf8")) as {
    runs: RawRun[];
  };
  const byKey = new Map<string, { input: Omit<PlanInput, "runs">; runs: RecordedRun[] }>();
  for (const run of expected.runs) {
    for (const step of run.steps ?? [run]) {
      const id = step.id ?? run.id ?? "run";
      const inventory = step.job_inventory;
      const parsed = parseArgs(inventory.args);
      const setup = step.setup ?? run.setup ?? undefined;
      const identity = JSON.stringify([parsed, setup ?? null]);
      let entry = byKey.get(identity);
      if (entry === undefined) {
        entry = {
          input: {
            caseName,
            key: `${caseName}/${id}`,
            ...parsed,
            ...(setup === undefined ? {} : { setup }),
            ...(inventory.error === undefined
              ? { jobs: inventory.jobs ?? [] }
              : { inventoryError: inventory.error }),
          },
          runs: [],
        };
        byKey.set(identity, entry);
      }
      const mode = step.summary?.mode ?? "unknown";
      const error = step.summary?.error;
      entry.runs.push({ id, mode, ...(error === undefined ? {} : { error }) });
    }
  }
  return [...byKey.values()].map(({ input, runs }) => ({ ...input, runs }));
}

function parseArgs(args: readonly string[]) {
  let cwd = ".";
  let file = ".gitlab-ci.yml";
  let evaluateChanges = true;
  const variables: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const next = args[i + 1];
    if (arg === "--cwd" && next !== undefined) cwd = next;
    else if (arg === "--file" && next !== undefined) file = next;
    else if (arg === "--variable" && next !== undefined) {
      const eq = next.indexOf("=");
      variables[next.slice(0, eq)] = next.slice(eq + 1);
    } else if (arg === "--no-evaluate-rule-changes") evaluateChanges = false;
    if (arg === "--cwd" || arg === "--file" || arg === "--variable") i++;
  }
  return { cwd, file, variables, evaluateChanges };
}

/** The case's files as a repository would hold them (the recorded `expected.*` are not inputs). */
export function caseFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .filter((path) => !/^expected\.(json|stdout|stderr)$/.test(path) && !path.startsWith(".git/"))
    .sort();
}

/**
 * A git copy of the case with its run's set-up applied (`materialize.sh`), and the files that set-up
 * changed against `origin/main` — what GitLab would diff for `rules:changes` on that push.
 */
export function materializeWithSetup(corpus: string, caseName: string, setup: string, into: string) {
  const dest = join(mkdtempSync(join(into, "case-")), caseName);
  execFileSync("bash", [join(corpus, "materialize.sh"), join(corpus, "cases", caseName), dest], {
    stdio: "pipe",
  });
  execFileSync("bash", ["-c", setup], { cwd: dest, stdio: "pipe" });
  const diff = execFileSync("git", ["diff", "--name-only", "origin/main", "HEAD"], {
    cwd: dest,
    encoding: "utf8",
  });
  const changedFiles = diff.split("\n").filter((line) => line !== "");
  return { dir: dest, changedFiles };
}

export function corpusPresent(corpus: string): boolean {
  return existsSync(join(corpus, "cases")) && existsSync(join(corpus, "materialize.sh"));
}

/**
 * gitlab-ci-local's project variables file (`.gitlab-ci-local-variables.yml`) stands in for GitLab's
 * project CI/CD variables: plain values and the `"*"` (all environments) value of scoped ones.
 */
export function projectVariables(dir: string): Record<string, string> {
  const file = join(dir, ".gitlab-ci-local-variables.yml");
  if (!existsSync(file)) return {};
  const parsed: unknown = parse(readFileSync(file, "utf8"));
  const variables: Record<string, string> = {};
  if (typeof parsed !== "object" || parsed === null) return variables;
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === "string" || typeof value === "number") variables[name] = String(value);
    else if (typeof value === "object" && value !== null && "values" in value) {
      const scoped: unknown = value.values;
      if (typeof scoped === "object" && scoped !== null && "*" in scoped)
        variables[name] = String(scoped["*"]);
    }
  }
  return variables;
}
