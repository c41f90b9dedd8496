/** Every `cache:key:files` of a plan (child plans included), so their keys are resolved before submit. */
import type { PipelinePlan } from "../plan/types.js";

export interface FileCacheKeySpec {
  /** Lookup key for the resolved value: JSON of [files, prefix]. */
  readonly id: string;
  readonly files: readonly string[];
  readonly prefix: string | undefined;
}

export function collectFileCacheKeys(plan: PipelinePlan): FileCacheKeySpec[] {
  const out = new Map<string, FileCacheKeySpec>();
  const visit = (p: PipelinePlan) => {
    for (const job of p.jobs) {
      for (const c of job.cache) {
        if (c.key.kind !== "files") continue;
        const id = JSON.stringify([c.key.files, c.key.prefix ?? null]);
        out.set(id, { id, files: c.key.files, prefix: c.key.prefix });
      }
      const child = job.trigger?.kind === "child" ? job.trigger.child : undefined;
      if (child?.kind === "pipeline") visit(child.plan);
    }
  };
  visit(plan);
  return [...out.values()];
}
