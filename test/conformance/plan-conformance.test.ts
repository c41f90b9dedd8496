// The planner against gitlab-ci-local's own test cases: for every distinct input of each of the 79
// cases (file, folder, variables, git set-up), the jobs we plan must match the recorded `--list-json`
// inventory (name, stage, when, allow_failure, needs), and configs it rejected must be rejected.
// Where gitlab-ci-local differs from GitLab, GitLab wins: each such place is in DIFFERENCES below,
// asserting what GitLab does instead. Nothing is skipped silently.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadCiConfig } from "../../src/config/index.js";
import { RunfleetError } from "../../src/errors/index.js";
import {
  type PlanContext,
  type PlannedJob,
  type PlanResult,
  planPipeline,
  predefinedVariables,
} from "../../src/plan/index.js";
import { requireSuite } from "../support/require-suite.js";
import {
  caseFiles,
  corpusCases,
  corpusPresent,
  type InventoryJob,
  materializeWithSetup,
  type PlanInput,
  planInputs,
  projectVariables,
} from "./gitlab-ci-local-corpus.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CORPUS = resolve(REPO, "..", "shared", "conformance", "gitlab-ci-local");

type Expectation = "plan" | "rejected" | "no-pipeline";

/** Where set-up runs get their git copies; removed after the suite. */
let scratchDir: string | undefined;
function scratch(): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "runfleet-conformance-"));
  return scratchDir;
}
afterAll(() => {
  if (scratchDir !== undefined) rmSync(scratchDir, { recursive: true, force: true });
});

/**
 * Deliberate differences, keyed by `<case>/<run id>`. `expect` is what Runfleet does (GitLab's
 * behaviour); the input is still checked, against that.
 */
const DIFFERENCES: Readonly<
  Record<string, { readonly gitlabCiLocal: string; readonly gitlab: string; readonly expect: Expectation }>
> = {
  "workflow-rules-variables/no-match": {
    gitlabCiLocal: "4.65.0 ignores workflow:rules that match nothing and lists test-job",
    gitlab: "no workflow rule matched: no pipeline is created",
    expect: "no-pipeline",
  },
  "manual/default": {
    gitlabCiLocal:
      "refuses to start because pre-job is manual and needed by test-job (a local-run limitation)",
    gitlab: "creates the pipeline; test-job waits until someone plays pre-job",
    expect: "plan",
  },
  "plain/notfound": {
    gitlabCiLocal: "exits 1 because the job named on its command line does not exist",
    gitlab: "job selection is not part of the config; the pipeline itself is valid",
    expect: "plan",
  },
  "needs-parallel-matrix-error/default": {
    gitlabCiLocal: "4.65.0 predates needs:parallel:matrix and ignores the matrix (a HEAD-only case)",
    gitlab:
      "a matrix need names instances that do not exist (or a job without a matrix): the config is rejected",
    expect: "rejected",
  },
  "never-needs/default": {
    gitlabCiLocal:
      "rejects only when the job with the broken need is selected (run test-job-optional-needs passes)",
    gitlab:
      "test-job needs never-job, which rules removed, without `optional: true`: the pipeline is rejected",
    expect: "rejected",
  },
};

/**
 * The recorded inventory names needs by job only; where the upstream tests assert which instances of
 * a matrix job run, those instance-level needs are checked here instead (upstream assertion names in
 * the comments). A matrix selector that matches nothing leaves an optional need with no edge.
 */
const INSTANCE_NEEDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  "needs-parallel-matrix-static/default": {
    // "only triggers build-job: [foo]"
    "test-single": ["build-job: [foo]"],
    // "triggers build-job: [foo] and [bar] only"
    "test-array": ["build-job: [bar]", "build-job: [foo]"],
    // "partial selector matches both OS permutations of ARCH=x64"
    "test-partial": ["build-multi: [x64, linux]", "build-multi: [x64, mac]"],
    // "full multi-key selector picks one permutation"
    "test-full": ["build-multi: [x64, linux]"],
    // "optional selector matching nothing runs consumer alone"
    "test-optional-zero": [],
  },
};

/**
 * Where the recorded behaviour is GitLab's and the config loader does not match it yet. These inputs
 * must still load and plan; the job lists may differ until the loader is fixed.
 */
const LOADER_GAPS: Readonly<Record<string, string>> = {};

/**
 * Name differences applied to the recorded inventory before comparing: gitlab-ci-local writes
 * `job: [1/2]` for `parallel: 2` and `job: [a,b]` for a matrix; GitLab names them `job 1/2` and
 * `job: [a, b]`. Needs to jobs that are not in the pipeline (optional ones) are listed by
 * gitlab-ci-local but dropped by GitLab.
 */
function gitlabName(name: string): string {
  const parallel = /^(.*): \[(\d+)\/(\d+)\]$/.exec(name);
  if (parallel !== null) return `${parallel[1]} ${parallel[2]}/${parallel[3]}`;
  const matrix = /^(.*): \[(.*)\]$/.exec(name);
  if (matrix?.[2] !== undefined) return `${matrix[1]}: [${matrix[2].split(/,\s*/).join(", ")}]`;
  return name;
}

const baseName = (name: string): string => name.replace(/( \d+\/\d+|: \[.*\])$/, "");

function expectationFor(input: PlanInput): { expect: Expectation; documented?: string } {
  const documented = input.runs
    .map((r) => DIFFERENCES[`${input.caseName}/${r.id}`])
    .find((d) => d !== undefined);
  if (documented !== undefined) return { expect: documented.expect, documented: documented.gitlab };
  if (input.inventoryError !== undefined || input.runs.some((r) => r.mode === "error"))
    return { expect: "rejected" };
  // Every job excluded (listed as `when: never`): GitLab creates no pipeline at all.
  if ((input.jobs ?? []).every((j) => j.when === "never")) return { expect: "no-pipeline" };
  return { expect: "plan" };
}

async function planFor(input: PlanInput): Promise<PlanResult> {
  const caseDir = join(CORPUS, "cases", input.caseName);
  const materialized =
    input.setup === undefined
      ? undefined
      : materializeWithSetup(CORPUS, input.caseName, input.setup, scratch());
  const projectDir = join(materialized?.dir ?? caseDir, input.cwd);
  const context: PlanContext = {
    ref: "master",
    refType: "branch",
    sha: "0000000000000000000000000000000000000001",
    beforeSha: "0000000000000000000000000000000000000000",
    source: "push",
    defaultBranch: "main",
    repositoryFiles: caseFiles(projectDir),
    variables: { ...projectVariables(projectDir), ...input.variables },
    projectPath: "gcl/test-project",
    commitMessage: "Commit Title\n\nMore commit text",
    ...(materialized !== undefined && input.evaluateChanges
      ? { changedFiles: materialized.changedFiles }
      : {}),
  };
  const { config } = await loadCiConfig({
    file: input.file,
    projectDir,
    variables: { ...predefinedVariables(context), ...context.variables },
  });
  return planPipeline(config, context);
}

/** Every way the plan differs from the inventory, one readable line each. */
function mismatches(
  jobs: readonly PlannedJob[],
  inventory: readonly InventoryJob[],
  instanceNeeds: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const expected = inventory
    .filter((j) => j.when !== "never")
    .map((j) => ({ ...j, name: gitlabName(j.name) }));
  const present = new Set(expected.map((j) => baseName(j.name)));
  const problems: string[] = [];
  const actualNames = jobs.map((j) => j.name).sort();
  const expectedNames = expected.map((j) => j.name).sort();
  if (JSON.stringify(actualNames) !== JSON.stringify(expectedNames)) {
    problems.push(`jobs: planned ${JSON.stringify(actualNames)}, recorded ${JSON.stringify(expectedNames)}`);
  }
  for (const want of expected) {
    const job = jobs.find((j) => j.name === want.name);
    if (job === undefined) continue;
    if (job.stage !== want.stage) problems.push(`${want.name}: stage ${job.stage}, recorded ${want.stage}`);
    if (job.when !== want.when) problems.push(`${want.name}: when ${job.when}, recorded ${want.when}`);
    const allow = allowFailure(want.allow_failure);
    if (JSON.stringify(job.allowFailure) !== JSON.stringify(allow)) {
      problems.push(
        `${want.name}: allow_failure ${JSON.stringify(job.allowFailure)}, recorded ${JSON.stringify(allow)}`,
      );
    }
    const instances = instanceNeeds[want.name];
    if (instances !== undefined) {
      const planned = (job.needs ?? []).map((n) => n.name).sort();
      if (JSON.stringify(planned) !== JSON.stringify(instances)) {
        problems.push(
          `${want.name}: needs ${JSON.stringify(planned)}, asserted ${JSON.stringify(instances)}`,
        );
      }
      continue;
    }
    const recordedNeeds =
      want.needs === undefined
        ? undefined
        : [
            ...new Set(
              want.needs.flatMap((n) =>
                n.job === undefined || n.project !== undefined || n.pipeline !== undefined ? [] : [n.job],
              ),
            ),
          ]
            .filter((name) => present.has(name))
            .sort();
    const plannedNeeds =
      job.needs === undefined ? undefined : [...new Set(job.needs.map((n) => baseName(n.name)))].sort();
    if (JSON.stringify(plannedNeeds) !== JSON.stringify(recordedNeeds)) {
      problems.push(
        `${want.name}: needs ${JSON.stringify(plannedNeeds)}, recorded ${JSON.stringify(recordedNeeds)}`,
      );
    }
  }
  return problems;
}

function allowFailure(value: InventoryJob["allow_failure"]): PlannedJob["allowFailure"] {
  if (typeof value === "boolean") return value;
  const codes = value.exit_codes;
  return { exitCodes: typeof codes === "number" ? [codes] : [...codes] };
}

const available = requireSuite({
  suite: "plan conformance (gitlab-ci-local corpus)",
  available: corpusPresent(CORPUS),
  howToEnable: `put the corpus at ${CORPUS} (a checkout of the shared folder next to the repository)`,
});

describe.runIf(available)("plan conformance with the gitlab-ci-local corpus", () => {
  const cases = available ? corpusCases(CORPUS) : [];
  const inputs = cases.flatMap((name) => planInputs(CORPUS, name));

  it("covers all 79 cases", () => {
    expect(cases).toHaveLength(79);
  });

  it.each(inputs.map((input) => [input.key, input] as const))("%s", async (_, input) => {
    const gap = LOADER_GAPS[input.key];
    if (gap !== undefined) {
      // A known gap may plan different jobs, but must still load and plan without an error; once the
      // loader is fixed the check passes and this fails until the entry is removed.
      const outcome = await check(input).then(
        () => "matches",
        (err: unknown) => err,
      );
      expect(String(outcome), `known loader gap: ${gap}`).toMatch(/^AssertionError/);
      return;
    }
    await check(input);
  });

  it("lists only loader gaps and differences that exist in the corpus", () => {
    const keys = new Set(
      inputs.flatMap((input) => [input.key, ...input.runs.map((r) => `${input.caseName}/${r.id}`)]),
    );
    expect(
      [...Object.keys(LOADER_GAPS), ...Object.keys(DIFFERENCES), ...Object.keys(INSTANCE_NEEDS)].filter(
        (key) => !keys.has(key),
      ),
    ).toEqual([]);
  });
});

/** Plans one input and checks it against what GitLab does (the recorded inventory, or DIFFERENCES). */
async function check(input: PlanInput): Promise<void> {
  const { expect: expectation } = expectationFor(input);
  let result: PlanResult | undefined;
  let error: unknown;
  try {
    result = await planFor(input);
  } catch (err) {
    error = err;
  }
  const unexpected = (): Error =>
    error instanceof RunfleetError ? new Error(error.format(), { cause: error }) : (error as Error);
  switch (expectation) {
    case "rejected":
      expect(error, "gitlab-ci-local rejected this config").toBeInstanceOf(RunfleetError);
      return;
    case "no-pipeline":
      if (error !== undefined) throw unexpected();
      expect(result?.kind).toBe("none");
      return;
    case "plan": {
      if (error !== undefined) throw unexpected();
      if (result?.kind !== "pipeline") {
        throw new Error(`no pipeline: ${result?.kind === "none" ? result.noPipeline.reason : "?"}`);
      }
      expect(mismatches(result.plan.jobs, input.jobs ?? [], INSTANCE_NEEDS[input.key])).toEqual([]);
      return;
    }
    default: {
      const unreachable: never = expectation;
      throw new Error(`unknown expectation ${String(unreachable)}`);
    }
  }
}
