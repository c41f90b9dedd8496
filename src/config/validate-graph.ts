import { didYouMean } from "./did-you-mean.js";
import type { At, Problems } from "./problems.js";
import type { CiJob, MatrixEntry, Need } from "./types.js";

/**
 * Checks what spans jobs: stages exist, `needs` and `dependencies` name jobs that exist and do not
 * run later, `needs` form no cycle, matrix-qualified needs name real instances.
 */
/** Where a job wrote a key (the job's own key when it did not). */
export type KeyLocator = (job: CiJob, key: string) => At;

export function validateGraph(
  jobs: readonly CiJob[],
  stages: readonly string[],
  problems: Problems,
  locate: KeyLocator,
): void {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const stageIndex = new Map(stages.map((s, i) => [s, i]));
  for (const job of jobs) {
    if (!stageIndex.has(job.stage)) {
      problems.error(`stage:${job.stage} not found for ${job.name}`, locate(job, "stage"), {
        distinct: true,
        hint: `${didYouMean(job.stage, stages) ?? ""} stages: ${stages.join(", ")}`.trim(),
      });
    }
  }
  const at = (job: CiJob, key: string): At => locate(job, key);
  for (const job of jobs) {
    const own = stageIndex.get(job.stage) ?? 0;
    const needLists = [job.needs ?? [], ...(job.rules ?? []).map((r) => r.needs ?? [])];
    for (const needs of needLists) {
      for (const need of needs) {
        if (need.kind !== "job") continue;
        const target = byName.get(need.job);
        if (target === undefined) {
          if (!need.optional) {
            problems.error(`needs: [${need.job}] for ${job.name} could not be found`, at(job, "needs"), {
              distinct: true,
              hint:
                didYouMean(need.job, byName.keys()) ??
                "add `optional: true` if the job is not always defined",
            });
          }
          continue;
        }
        if ((stageIndex.get(target.stage) ?? 0) > own) {
          problems.error(`needs: [${need.job}] for ${job.name} is in a future stage`, at(job, "needs"), {
            distinct: true,
            hint: `\`${need.job}\` runs in stage \`${target.stage}\`, after \`${job.stage}\`; a job can need jobs of its own or earlier stages`,
          });
        }
        if (need.matrix !== undefined) checkMatrixNeed(job, need, target, problems, locate);
      }
    }
    checkDependencies(job, byName, stageIndex, problems, locate);
  }
  findNeedCycles(jobs, byName, problems, locate);
}

function checkMatrixNeed(
  job: CiJob,
  need: Extract<Need, { kind: "job" }>,
  target: CiJob,
  problems: Problems,
  locate: KeyLocator,
): void {
  const at = locate(job, "needs");
  if (target.parallel?.kind !== "matrix") {
    problems.error(
      `${job.name} uses needs.parallel.matrix targeting ${need.job}, but ${need.job} has no parallel:matrix configuration`,
      at,
      { distinct: true, hint: "name the job without `parallel: matrix`, or give it a matrix" },
    );
    return;
  }
  const instances = target.parallel.matrix;
  for (const selector of need.matrix ?? []) {
    for (const combo of combinations(selector)) {
      // `$[[ matrix.X ]]` names the needing job's own instance values: known only once expanded.
      if (Object.values(combo).some((v) => v.includes("$[[")) || need.optional) continue;
      // A selector may name a subset of the variables; it then picks every instance that agrees.
      const found = instances.some((entry) =>
        Object.entries(combo).every(([k, v]) => entry[k]?.includes(v) ?? false),
      );
      if (!found) {
        problems.error(
          `${job.name} needs.parallel.matrix selector for ${need.job} matched zero permutations: [${Object.values(combo).join(", ")}]`,
          at,
          {
            distinct: true,
            hint: `\`${need.job}\` has no matrix instance with ${Object.entries(combo)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")}`,
          },
        );
      }
    }
  }
}

/** Every single-valued combination of one matrix entry. */
export function combinations(entry: MatrixEntry): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(entry)) {
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [name]: v })));
  }
  return out;
}

function checkDependencies(
  job: CiJob,
  byName: ReadonlyMap<string, CiJob>,
  stageIndex: ReadonlyMap<string, number>,
  problems: Problems,
  locate: KeyLocator,
): void {
  if (job.dependencies === undefined) return;
  const at = locate(job, "dependencies");
  const own = stageIndex.get(job.stage) ?? 0;
  for (const dep of job.dependencies) {
    const target = byName.get(dep);
    if (target === undefined) {
      problems.error(`dependencies: [${dep}] for ${job.name} cannot be found`, at, {
        distinct: true,
        hint: didYouMean(dep, byName.keys()) ?? "",
      });
    } else if (job.needs === undefined && (stageIndex.get(target.stage) ?? 0) >= own) {
      problems.error(`dependencies: [${dep}] for ${job.name} is not defined in a prior stage`, at, {
        distinct: true,
        hint: `\`${dep}\` runs in stage \`${target.stage}\`; dependencies come from earlier stages`,
      });
    }
  }
  // `needs: []` starts the job at once; its dependencies are then fetched without ordering.
  if (job.needs !== undefined && job.needs.length > 0) {
    const needed = job.needs.flatMap((n) => (n.kind === "job" ? [n.job] : []));
    if (!job.dependencies.every((d) => needed.includes(d))) {
      problems.error(
        `${job.name} needs: '${needed.join(",")}' doesn't fully contain dependencies: '${job.dependencies.join(",")}'`,
        at,
        {
          distinct: true,
          hint: "with `needs`, every dependency must also be a need",
        },
      );
    }
  }
}

function findNeedCycles(
  jobs: readonly CiJob[],
  byName: ReadonlyMap<string, CiJob>,
  problems: Problems,
  locate: KeyLocator,
): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (job: CiJob): void => {
    state.set(job.name, "visiting");
    stack.push(job.name);
    for (const need of job.needs ?? []) {
      if (need.kind !== "job") continue;
      const target = byName.get(need.job);
      if (target === undefined) continue;
      const s = state.get(target.name);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(target.name)), target.name];
        const what = cycle.length === 2 ? `self-dependency: ${job.name}` : `cycle: ${cycle.join(" → ")}`;
        problems.error(`The pipeline has circular dependencies: ${what}.`, locate(job, "needs"), {
          distinct: true,
          hint: "`needs` must not lead back to the job itself",
        });
      } else if (s === undefined) visit(target);
    }
    stack.pop();
    state.set(job.name, "done");
  };
  for (const job of jobs) if (!state.has(job.name)) visit(job);
}
