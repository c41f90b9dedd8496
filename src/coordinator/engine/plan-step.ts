/**
 * The pure half of one engine step: given a pipeline's live jobs and the patches asked for, stage the
 * changes over them, promote the jobs they release, and work out the new tally and pipeline status.
 * The engine then persists the result in one transaction and only then makes it live.
 */
import { isFinished } from "../../protocol/index.js";
import type { Transition } from "../state/job-node.js";
import { addToTally, isPipelineFinished, statusFromTally, type Tally } from "../state/pipeline-status.js";
import { ReleaseIndex } from "../state/release-check.js";
import { settle } from "../state/settle.js";
import { unrunJobState } from "../state/unrun-job-state.js";
import type { JobPatch, NewJob } from "../store/store.js";
import type { JobRecord, PipelineRecord } from "../types.js";

export interface ActivePipeline {
  record: PipelineRecord;
  jobs: Map<number, JobRecord>;
  /** Jobs counted by what they mean for the pipeline status, kept in step with `jobs`. */
  tally: Tally;
  /** Made at the first step that needs it; answers whether a step can release a waiting job. */
  release?: ReleaseIndex;
}

export interface CommitOptions {
  readonly newJobs?: readonly NewJob[];
  readonly canceledByUser?: boolean;
}

export interface PlannedStep {
  /** Every job that changes, as it will be. */
  readonly overlay: ReadonlyMap<number, JobRecord>;
  /** The patches to persist, one per job. */
  readonly merged: ReadonlyMap<number, JobPatch>;
  /** New jobs under temporary negative ids until the store assigns theirs. */
  readonly placeholders: readonly JobRecord[];
  readonly nextTally: Tally;
  readonly status: PipelineRecord["status"];
  readonly canceledByUser: boolean;
  readonly finished: boolean;
  readonly pipelineChanged: boolean;
  readonly finishedAt: number | null;
}

export function planStep(
  p: ActivePipeline,
  patches: readonly JobPatch[],
  options: CommitOptions,
  now: number,
): PlannedStep {
  const overlay = new Map<number, JobRecord>();
  const merged = new Map<number, JobPatch>();
  const apply = (patch: JobPatch) => {
    const current = overlay.get(patch.id) ?? p.jobs.get(patch.id);
    if (current === undefined) return;
    overlay.set(patch.id, applyPatch(current, patch));
    merged.set(patch.id, { ...merged.get(patch.id), ...patch });
  };
  const placeholders = (options.newJobs ?? []).map((job, i) => ({
    ...job,
    id: -(i + 1),
    pipelineId: p.record.id,
  }));
  const view = (): JobRecord[] => [
    ...[...p.jobs.values()].map((j) => overlay.get(j.id) ?? j),
    ...placeholders,
  ];
  for (const patch of patches) apply(patch);
  // Only an ended job (or a new job, or a first look at the pipeline) can release waiting jobs.
  const mayRelease =
    patches.length === 0 ||
    placeholders.length > 0 ||
    patches.some((x) => x.status !== undefined && (isFinished(x.status) || x.status === "manual"));
  if (
    mayRelease &&
    (p.tally.get("created") ?? 0) > 0 &&
    (patches.length === 0 || placeholders.length > 0 || releasable(p, overlay))
  ) {
    for (const t of settle(view(), now)) apply(settledPatch(t, now));
  }
  const canceledByUser = options.canceledByUser ?? p.record.canceledByUser;
  const nextTally: Tally = new Map(p.tally);
  for (const [id, job] of overlay) {
    const before = p.jobs.get(id);
    if (before !== undefined) addToTally(nextTally, before, -1);
    addToTally(nextTally, job, 1);
  }
  for (const ph of placeholders) addToTally(nextTally, ph, 1);
  const status = statusFromTally(nextTally, canceledByUser);
  const finished = isPipelineFinished(status);
  return {
    overlay,
    merged,
    placeholders,
    nextTally,
    status,
    canceledByUser,
    finished,
    pipelineChanged: status !== p.record.status || canceledByUser !== p.record.canceledByUser,
    finishedAt: finished ? (p.record.finishedAt ?? now) : null,
  };
}

/**
 * New jobs as their pipeline's first step leaves them: what nothing holds back is already pending (or
 * skipped, manual, scheduled) when inserted, so a job is written once instead of inserted and updated.
 */
export function settleNewJobs(jobs: readonly NewJob[], now: number): NewJob[] {
  const out = [...jobs];
  // settle reads ids only to name its transitions: position + 1 stands in until the store assigns them.
  const transitions = settle(
    jobs.map((job, i) => ({ ...job, id: i + 1 })),
    now,
  );
  for (const t of transitions) {
    const job = out[t.jobId - 1];
    if (job === undefined) continue;
    const { id: _id, ...fields } = settledPatch(t, now);
    out[t.jobId - 1] = { ...job, ...fields };
  }
  return out;
}

/** Whether the patched jobs can release a waiting one (see `ReleaseIndex`). */
function releasable(p: ActivePipeline, overlay: ReadonlyMap<number, JobRecord>): boolean {
  p.release ??= new ReleaseIndex(p.jobs);
  return p.release.couldRelease(p.jobs, overlay);
}

export function applyPatch(job: JobRecord, patch: JobPatch): JobRecord {
  // A patch names its job by id, so spreading it whole changes no id.
  return { ...job, ...patch };
}

function settledPatch(t: Transition, now: number): JobPatch {
  switch (t.to) {
    case "pending":
      return { id: t.jobId, status: "pending", queuedAt: now };
    case "scheduled":
      return { id: t.jobId, status: "scheduled", scheduledAt: t.scheduledAt ?? now };
    case "skipped":
      return { id: t.jobId, status: "skipped", finishedAt: now };
    default:
      return { id: t.jobId, status: t.to };
  }
}

export function isQueued(job: JobRecord): boolean {
  return job.status === "pending" && job.runnerId === null && job.trigger === null;
}

/** The next attempt of a job `retry` asks for: a new job, same name, queued now. */
export function nextAttempt(job: JobRecord, now: number): NewJob {
  const { id: _id, pipelineId: _pid, ...rest } = job;
  return {
    ...rest,
    ...unrunJobState(now),
    status: "pending",
    attempt: job.attempt + 1,
    queuedAt: now,
  };
}
