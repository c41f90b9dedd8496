import type { CiJob, MatrixEntry, Need } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { matrixCombinations } from "./expand-parallel.js";
import type { PlannedNeed, PlannedPipelineNeed } from "./types.js";

/**
 * Turns `needs:` and `dependencies:` written against job names into edges between job instances that
 * are in the pipeline: a parallel job stands for all its instances (or the matrix subset named); a
 * need on a job that rules removed is an error unless `optional: true`.
 */
export interface IncludedInstance {
  readonly name: string;
  readonly job: CiJob;
  readonly stageIndex: number;
  readonly matrix?: Readonly<Record<string, string>>;
}

export interface NeedsIndex {
  /** Config job name → its instances in the pipeline. */
  readonly instancesByJob: ReadonlyMap<string, readonly IncludedInstance[]>;
  readonly configJobs: ReadonlyMap<string, CiJob>;
  readonly stageIndex: (stage: string) => number;
}

export interface ResolvedNeeds {
  readonly needs: PlannedNeed[];
  readonly pipelineNeeds: PlannedPipelineNeed[];
}

export function resolveNeeds(
  owner: IncludedInstance,
  needs: readonly Need[],
  index: NeedsIndex,
): ResolvedNeeds {
  const resolved: PlannedNeed[] = [];
  const pipelineNeeds: PlannedPipelineNeed[] = [];
  const seen = new Set<string>();
  for (const need of needs) {
    switch (need.kind) {
      case "pipeline":
        pipelineNeeds.push({ pipeline: need.pipeline, job: need.job, artifacts: need.artifacts });
        break;
      case "project":
        // Cross-project artifacts cannot be fetched here; the loader already warned.
        break;
      case "job": {
        for (const instance of neededInstances(owner, need, index)) {
          if (seen.has(instance.name)) continue;
          seen.add(instance.name);
          resolved.push({ name: instance.name, artifacts: need.artifacts, optional: need.optional });
        }
        break;
      }
      default: {
        const unreachable: never = need;
        return unreachable;
      }
    }
  }
  return { needs: resolved, pipelineNeeds };
}

function neededInstances(
  owner: IncludedInstance,
  need: Extract<Need, { kind: "job" }>,
  index: NeedsIndex,
): readonly IncludedInstance[] {
  const target = index.configJobs.get(need.job);
  if (target === undefined) {
    throw invalid("CONFIG_INVALID", owner, `needs \`${need.job}\`, which is not defined in the config`);
  }
  if (index.stageIndex(target.stage) > owner.stageIndex) {
    throw invalid(
      "CONFIG_INVALID",
      owner,
      `needs \`${need.job}\` in stage \`${target.stage}\`, a later stage than \`${owner.job.stage}\``,
      "a job can only need jobs of its own or earlier stages",
    );
  }
  const present = index.instancesByJob.get(need.job) ?? [];
  if (need.matrix !== undefined) return matrixSubset(owner, need, present, target);
  if (present.length === 0 && !need.optional) {
    throw invalid(
      "PLAN_INVALID",
      owner,
      `needs \`${need.job}\`, but \`${need.job}\` is not in this pipeline (its rules exclude it)`,
      "mark the need `optional: true`, or give both jobs the same rules",
    );
  }
  return present;
}

function matrixSubset(
  owner: IncludedInstance,
  need: Extract<Need, { kind: "job" }>,
  present: readonly IncludedInstance[],
  target: CiJob,
): IncludedInstance[] {
  const wanted = (need.matrix ?? [])
    .map((entry) => withMatrixExpressions(entry, owner))
    .flatMap(matrixCombinations);
  const chosen: IncludedInstance[] = [];
  for (const combo of wanted) {
    const matching = instancesAgreeingWith(combo, present);
    if (matching.length > 0) {
      chosen.push(...matching);
      continue;
    }
    const defined = target.parallel?.kind === "matrix";
    if (need.optional && defined) continue;
    const values = Object.entries(combo)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    throw invalid(
      defined ? "PLAN_INVALID" : "CONFIG_INVALID",
      owner,
      defined
        ? `needs \`${need.job}\` with matrix ${values}, but no such instance is in this pipeline`
        : `needs \`${need.job}\` with \`parallel:matrix\`, but \`${need.job}\` has no matrix`,
    );
  }
  return chosen;
}

/**
 * The instances a selector names: the one whose matrix is exactly the selector, else every instance
 * that agrees on the variables the selector names (`ARCH: x64` picks each OS built for x64). An
 * exact row wins so that `PROVIDER: gcp` beside a `PROVIDER: gcp` row does not also pull in the
 * rows that add more variables.
 */
function instancesAgreeingWith(
  combo: Readonly<Record<string, string>>,
  present: readonly IncludedInstance[],
): readonly IncludedInstance[] {
  const keys = Object.keys(combo);
  const agreeing = present.filter(
    (i) => i.matrix !== undefined && keys.every((k) => i.matrix?.[k] === combo[k]),
  );
  const exact = agreeing.filter((i) => Object.keys(i.matrix ?? {}).length === keys.length);
  return exact.length > 0 ? exact : agreeing;
}

/** `$[[ matrix.NAME ]]` in a need's matrix takes the needing instance's own value (GitLab 17.x). */
function withMatrixExpressions(entry: MatrixEntry, owner: IncludedInstance): MatrixEntry {
  const resolved: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(entry)) {
    resolved[name] = values.map((value) =>
      value.replace(
        /\$\[\[\s*matrix\.([A-Za-z0-9_]+)\s*\]\]/g,
        (whole, key: string) => owner.matrix?.[key] ?? whole,
      ),
    );
  }
  return resolved;
}

export function resolveDependencies(
  owner: IncludedInstance,
  dependencies: readonly string[],
  neededNames: ReadonlySet<string> | undefined,
  index: NeedsIndex,
): string[] {
  const names: string[] = [];
  for (const dependency of dependencies) {
    const target = index.configJobs.get(dependency);
    if (target === undefined) {
      throw invalid("CONFIG_INVALID", owner, `dependencies names \`${dependency}\`, which is not defined`);
    }
    // With `needs`, dependencies must be among them; `needs: []` (no edges) keeps the stage rule.
    const byNeeds = neededNames !== undefined && neededNames.size > 0;
    if (index.stageIndex(target.stage) >= owner.stageIndex && !byNeeds) {
      throw invalid(
        "CONFIG_INVALID",
        owner,
        `dependencies names \`${dependency}\`, which is not in an earlier stage`,
        "dependencies can only name jobs of earlier stages",
      );
    }
    for (const instance of index.instancesByJob.get(dependency) ?? []) {
      if (byNeeds && !neededNames.has(instance.name)) {
        throw invalid(
          "CONFIG_INVALID",
          owner,
          `dependencies names \`${dependency}\`, which is not in its \`needs\``,
          "a job with `needs` can only depend on jobs it needs",
        );
      }
      names.push(instance.name);
    }
  }
  return names;
}

/** Needs within a stage can form a loop; report the first one found with its path. */
export function findNeedsCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const current = state.get(node);
    if (current === "done") return undefined;
    if (current === "visiting") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "visiting");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function invalid(
  code: "CONFIG_INVALID" | "PLAN_INVALID",
  owner: IncludedInstance,
  what: string,
  hint?: string,
): RunfleetError {
  const key = what.startsWith("dependencies") ? "dependencies" : "needs";
  return new RunfleetError(code, `job \`${owner.name}\` ${what}`, {
    location: { ...owner.job.location, path: `${owner.job.name}.${key}` },
    ...(hint === undefined ? {} : { hint }),
  });
}
