/**
 * Reading the gitlab-ci-local conformance corpus: its recorded runs, how each maps to `runfleet run`
 * arguments, and which differences between gitlab-ci-local and GitLab the comparison must apply.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface RecordedJob {
  readonly name: string;
  readonly stage: string;
  readonly status: "PASS" | "FAIL" | "warning";
  readonly exit_code: number | null;
  readonly output: readonly string[];
  readonly stderr_output?: readonly string[];
}

export interface RecordedSummary {
  readonly mode: "pipeline" | "jobs" | "preview" | "error";
  readonly exit_code: number;
  readonly error: string | null;
  readonly jobs: readonly RecordedJob[];
  readonly not_run: readonly { readonly name: string; readonly when: string; readonly status: string }[];
}

export interface RecordedStep {
  readonly args: readonly string[];
  readonly exit_code: number;
  readonly summary: RecordedSummary;
}

export interface RecordedRun {
  readonly id: string;
  readonly setup: string | null;
  /** One step, or several run one after the other in the same checkout. */
  readonly steps: readonly RecordedStep[];
}

export interface ConformanceCase {
  readonly name: string;
  readonly dir: string;
  readonly runs: readonly RecordedRun[];
}

interface RawRun {
  readonly id: string;
  readonly setup: string | null;
  readonly args?: readonly string[];
  readonly exit_code: number;
  readonly summary?: RecordedSummary;
  readonly steps?: readonly RecordedStep[];
}

export function loadCases(casesDir: string): ConformanceCase[] {
  return readdirSync(casesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = join(casesDir, name);
      const raw = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as { runs: RawRun[] };
      const runs = raw.runs.map(
        (r): RecordedRun => ({
          id: r.id,
          setup: r.setup,
          steps:
            r.steps ??
            (r.args !== undefined && r.summary !== undefined
              ? [{ args: r.args, exit_code: r.exit_code, summary: r.summary }]
              : []),
        }),
      );
      return { name, dir, runs };
    });
}

/** gitlab-ci-local flags that change nothing Runfleet has an equivalent for, or only its own layout. */
const IGNORED_FLAGS = new Set([
  "--shell-isolation",
  "--no-shell-isolation",
  "--force-shell-executor",
  "--shell-executor-no-image",
  "--no-color",
  "--json-schema-validation",
  "--needs",
]);
const IGNORED_WITH_VALUE = new Set(["--max-job-name-padding"]);
/** Flags with no `runfleet run` equivalent: such runs are listed as not replayable, with this reason. */
const UNMAPPABLE: Readonly<Record<string, string>> = {
  "--preview": "preview prints the expanded YAML; runfleet plan covers it, not runfleet run",
  "--stage": "runs one stage; runfleet run selects jobs, not stages",
  "--unset-variable": "gitlab-ci-local's own project-variables mechanism",
  "--home": "gitlab-ci-local's own home-directory variables file",
  "--no-evaluate-rule-changes": "gitlab-ci-local switch; Runfleet evaluates rules:changes as GitLab does",
  "--no-needs": "ignores needs entirely, which GitLab never does",
};

export type Mapping =
  | { readonly kind: "run"; readonly args: readonly string[]; readonly namedOnly: readonly string[] | null }
  | { readonly kind: "not_replayable"; readonly reason: string };

/**
 * gitlab-ci-local arguments → `runfleet run` arguments. `namedOnly`: the job names of a jobs-mode run
 * without `--needs`, where gitlab-ci-local runs just those jobs and Runfleet also runs their needs.
 */
export function mapArgs(args: readonly string[], mode: RecordedSummary["mode"]): Mapping {
  const out: string[] = [];
  const jobs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const reason = UNMAPPABLE[a];
    if (reason !== undefined && !(mode === "error" && a === "--no-needs"))
      return { kind: "not_replayable", reason };
    if (IGNORED_FLAGS.has(a) || (mode === "error" && a === "--no-needs")) continue;
    if (IGNORED_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    const value = args[i + 1] ?? "";
    switch (a) {
      case "--file":
      case "--cwd":
      case "--variables-file":
      case "--concurrency":
        out.push(a, value);
        i++;
        continue;
      case "--variable":
        out.push("--var", value);
        i++;
        continue;
      case "--manual":
        out.push("--manual", normalizeJobName(value));
        i++;
        continue;
      default:
        if (a.startsWith("-")) return { kind: "not_replayable", reason: `unknown gitlab-ci-local flag ${a}` };
        jobs.push(normalizeJobName(a));
        out.push(normalizeJobName(a));
    }
  }
  const namedOnly = jobs.length > 0 && !args.includes("--needs") ? jobs : null;
  return { kind: "run", args: out, namedOnly };
}

/**
 * gitlab-ci-local names parallel instances `job: [2/3]` and matrix instances `job: [a,b]`; GitLab
 * (and Runfleet) `job 2/3` and `job: [a, b]`. Child pipeline jobs: `[trigger] -> job` in both.
 */
export function normalizeJobName(name: string): string {
  const parallel = /^(.*): \[(\d+)\/(\d+)\]$/.exec(name);
  if (parallel) return `${parallel[1]} ${parallel[2]}/${parallel[3]}`;
  return name.replace(/\[([^\]]*)\]$/, (_, inner: string) => `[${inner.split(/,\s*/).join(", ")}]`);
}

/**
 * `.gitlab-ci-local-env` holds default gitlab-ci-local options, one `OPTION=value` line each (array
 * options space-separated). `VARIABLE` is its `--variable`: those become `--var`s placed before the run's
 * own, which win as later definitions. Other options have no mapping: the run is not replayable.
 * (`.gitlab-ci-local-variables.yml` needs nothing: `runfleet run` reads it itself.)
 */
export function optionsFileArgs(caseDir: string): Mapping {
  const file = join(caseDir, ".gitlab-ci-local-env");
  if (!existsSync(file)) return { kind: "run", args: [], namedOnly: null };
  const args: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m === null) continue;
    if (m[1] !== "VARIABLE")
      return {
        kind: "not_replayable",
        reason: `.gitlab-ci-local-env sets ${m[1]}, a gitlab-ci-local option`,
      };
    for (const pair of (m[2] ?? "")
      .replace(/^"(.*)"$/, "$1")
      .split(/\s+/)
      .filter(Boolean))
      args.push("--var", pair);
  }
  return { kind: "run", args, namedOnly: null };
}
