import type { CiJob, MatrixEntry } from "../config/types.js";

/**
 * `parallel: N` → `name 1/N` … `name N/N`; `parallel:matrix` → `name: [v1, v2]` (values in the order
 * the variables are written, the first one varying slowest, as GitLab names them). Every instance
 * gets CI_NODE_INDEX / CI_NODE_TOTAL.
 */
export interface JobInstance {
  readonly name: string;
  readonly parallel?: { readonly index: number; readonly total: number };
  readonly matrix?: Readonly<Record<string, string>>;
}

export function expandParallel(job: CiJob): JobInstance[] {
  const parallel = job.parallel;
  if (parallel === undefined) return [{ name: job.name }];
  switch (parallel.kind) {
    case "count":
      return Array.from({ length: parallel.count }, (_, i) => ({
        name: `${job.name} ${i + 1}/${parallel.count}`,
        parallel: { index: i + 1, total: parallel.count },
      }));
    case "matrix": {
      const combos = parallel.matrix.flatMap(matrixCombinations);
      return combos.map((matrix, i) => ({
        name: matrixInstanceName(job.name, matrix),
        parallel: { index: i + 1, total: combos.length },
        matrix,
      }));
    }
    default: {
      const unreachable: never = parallel;
      return unreachable;
    }
  }
}

export function matrixInstanceName(jobName: string, matrix: Readonly<Record<string, string>>): string {
  return `${jobName}: [${Object.values(matrix).join(", ")}]`;
}

/** The cartesian product of one matrix entry, first variable slowest. */
export function matrixCombinations(entry: MatrixEntry): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(entry)) {
    const next: Record<string, string>[] = [];
    for (const combo of combos) {
      for (const value of values) next.push({ ...combo, [name]: value });
    }
    combos = next;
  }
  return combos;
}
