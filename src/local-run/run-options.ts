/** What `runfleet run` is asked to do, and how many jobs it runs at once unless told. */
import { availableParallelism } from "node:os";
import type { PipelineSource } from "../plan/types.js";

export const EXECUTORS = ["docker", "shell"] as const;
export type LocalExecutor = (typeof EXECUTORS)[number];

export interface RunOptions {
  /** Jobs to run (with everything they `needs`, transitively); empty = the whole pipeline. */
  readonly jobs: readonly string[];
  /** Manual jobs to play (`--manual`): they run when their stage or needs let them. */
  readonly manual: readonly string[];
  /** The config file as given, relative to `cwd`; undefined = the nearest `.gitlab-ci.yml`. */
  readonly file: string | undefined;
  readonly cwd: string;
  readonly concurrency: number;
  readonly variables: Readonly<Record<string, string>>;
  /** The project's CI/CD variables file as given, relative to `cwd`; undefined = gitlab-ci-local's, if there. */
  readonly variablesFile: string | undefined;
  readonly ref: string | undefined;
  readonly source: PipelineSource;
  readonly quiet: boolean;
  readonly report: string | undefined;
  /** Undefined: automatic — jobs with an `image:` in containers when a Docker Engine API answers. */
  readonly executor: LocalExecutor | undefined;
  /** With `--executor docker`: the image of jobs that name none (`[runners.docker] image`). */
  readonly image: string | undefined;
  readonly help: boolean;
}

/**
 * Echo-type jobs spend most of their time waiting on process start-up and HTTP round trips, not on
 * their own CPU, so several per core overlap those waits; but every slot costs a launcher shell, its
 * own repository (init + fetch + checkout once per slot) and memory. On the 2-core machine it was
 * chosen on (load average 5–10 from other work), 1000 echo jobs (`npm run bench:local`) took, best of
 * 3: 8.2 s at 4 slots, 7.8 s at 6, 6.1 s at 8 and 10.3 s at 16; CPU 8.1–9.6 ms per job at 8 slots
 * against 10.2–10.6 at 16, and a tree PSS of 63–69 MB against 80–87 MB.
 */
export const JOBS_PER_CORE = 4;

export function defaultConcurrency(cores: number = availableParallelism()): number {
  return Math.max(2, cores * JOBS_PER_CORE);
}
