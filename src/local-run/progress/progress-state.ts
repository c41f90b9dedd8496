import type { FinalJobStatus, JobRef, PlannedJobView, RunEvent } from "./run-event.js";

export type JobProgress = "waiting" | "running" | FinalJobStatus | "manual";

/**
 * Everything the renderers need to know about a run so far. Jobs are keyed by instance name: a retried
 * job is the same row again. Kept as plain data so views are pure functions of it; renderers only read
 * it, and only `applyEvent` changes it (in place: see there).
 */
export interface ProgressState {
  readonly stages: string[];
  /** Per instance name, in plan order. */
  readonly jobs: Map<string, JobState>;
}

export interface JobState {
  readonly name: string;
  readonly baseName: string;
  readonly stage: string;
  readonly status: JobProgress;
  readonly allowFailure: boolean;
  readonly exitCode: number | null;
  readonly durationMs: number | null;
  readonly startedAt: number | null;
}

export function initialState(planned: readonly PlannedJobView[]): ProgressState {
  const stages: string[] = [];
  const jobs = new Map<string, JobState>();
  for (const p of planned) {
    if (!stages.includes(p.stage)) stages.push(p.stage);
    jobs.set(p.name, {
      name: p.name,
      baseName: p.baseName,
      stage: p.stage,
      status: p.manual ? "manual" : "waiting",
      allowFailure: false,
      exitCode: null,
      durationMs: null,
      startedAt: null,
    });
  }
  return { stages, jobs };
}

/**
 * Applies one event to `state` in place and returns it. A run has thousands of events: copying the job
 * map for each made every event cost as much as the whole run's job count.
 */
export function applyEvent(state: ProgressState, event: RunEvent): ProgressState {
  switch (event.kind) {
    case "job_started":
      return withJob(state, event.job, { status: "running", startedAt: event.at });
    case "job_finished":
      return withJob(state, event.job, {
        status: event.willRetry ? "waiting" : event.status,
        allowFailure: event.allowFailure,
        exitCode: event.exitCode,
        durationMs: event.durationMs,
      });
    case "job_output":
    case "notice":
      return state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

function withJob(state: ProgressState, ref: JobRef, change: Partial<JobState>): ProgressState {
  const { jobs, stages } = state;
  const before = jobs.get(ref.name) ?? {
    name: ref.name,
    baseName: ref.baseName,
    stage: ref.stage,
    status: "waiting" as const,
    allowFailure: false,
    exitCode: null,
    durationMs: null,
    startedAt: null,
  };
  jobs.set(ref.name, { ...before, ...change });
  if (!stages.includes(ref.stage)) stages.push(ref.stage);
  return state;
}

export interface Counts {
  readonly total: number;
  readonly waiting: number;
  readonly running: number;
  readonly passed: number;
  readonly failed: number;
  /** Failed with `allow_failure`: shown apart, they do not fail the pipeline. */
  readonly warned: number;
  readonly canceled: number;
  readonly skipped: number;
  readonly manual: number;
}

export function countJobs(jobs: Iterable<JobState>): Counts {
  const c = {
    total: 0,
    waiting: 0,
    running: 0,
    passed: 0,
    failed: 0,
    warned: 0,
    canceled: 0,
    skipped: 0,
    manual: 0,
  };
  for (const j of jobs) {
    c.total++;
    switch (j.status) {
      case "waiting":
        c.waiting++;
        break;
      case "running":
        c.running++;
        break;
      case "success":
        c.passed++;
        break;
      case "failed":
        if (j.allowFailure) c.warned++;
        else c.failed++;
        break;
      case "canceled":
        c.canceled++;
        break;
      case "skipped":
        c.skipped++;
        break;
      case "manual":
        c.manual++;
        break;
      default: {
        const never: never = j.status;
        return never;
      }
    }
  }
  return c;
}
