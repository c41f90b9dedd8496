/**
 * Builders for submitted jobs, job records and runners in tests: every field defaulted, override what
 * matters.
 */
import { unrunJobState } from "../state/unrun-job-state.js";
import type { NewPipeline, NewRunner } from "../store/store.js";
import type { JobRecord, JobScriptSpec, PipelineRecord, RunnerRecord, SubmittedJob } from "../types.js";

export const EMPTY_SPEC: JobScriptSpec = {
  beforeScript: [],
  script: ["true"],
  afterScript: [],
  image: null,
  services: [],
  artifacts: [],
  cache: [],
  variables: [],
};

export function submittedJob(name: string, overrides: Partial<SubmittedJob> = {}): SubmittedJob {
  return {
    name,
    stage: "test",
    needs: null,
    dependencies: null,
    when: "on_success",
    startInSeconds: 0,
    allowFailure: false,
    allowFailureExitCodes: [],
    retry: { max: 0, when: ["always"], exitCodes: [] },
    timeoutSeconds: 3600,
    tags: [],
    parallel: null,
    spec: EMPTY_SPEC,
    trigger: null,
    ...overrides,
  };
}

let nextRecordId = 1;

/** A stored job of pipeline 1 that finished successfully: ids counted up, state fields at rest. */
export function jobRecord(
  name: string,
  stageIndex: number,
  overrides: Partial<SubmittedJob> = {},
): JobRecord {
  return {
    ...submittedJob(name, overrides),
    id: nextRecordId++,
    pipelineId: 1,
    projectId: 1,
    stageIndex,
    ...unrunJobState(0),
    status: "success",
    acknowledged: true,
    exitCode: 0,
  };
}

/** An instance runner that takes untagged jobs, as `Store.createRunner` takes it. */
export function newRunner(overrides: Partial<NewRunner> = {}): NewRunner {
  return {
    tokenHash: "runner-token-hash",
    description: "runner",
    tags: [],
    runUntagged: true,
    locked: false,
    paused: false,
    projectId: null,
    maximumTimeout: null,
    createdAt: 0,
    ...overrides,
  };
}

/** A stored runner that has not been in contact yet. */
export function runnerRecord(overrides: Partial<RunnerRecord> = {}): RunnerRecord {
  const { tokenHash: _hash, ...fields } = newRunner();
  return { id: 1, ...fields, contactedAt: null, ...overrides };
}

/** A stored pipeline of project 1 for `main`, running, without variables. */
export function pipelineRecord(overrides: Partial<PipelineRecord> = {}): PipelineRecord {
  return {
    id: 1,
    projectId: 1,
    iid: 1,
    parentPipelineId: null,
    parentJobId: null,
    status: "running",
    ref: "main",
    sha: "a".repeat(40),
    beforeSha: "0".repeat(40),
    refType: "branch",
    source: "push",
    canceledByUser: false,
    stages: ["test"],
    variables: [],
    userVariables: [],
    createdAt: 0,
    finishedAt: null,
    ...overrides,
  };
}

/** The same pipeline as `Store.createPipeline` takes it (the store numbers it). */
export function newPipeline(overrides: Partial<NewPipeline> = {}): NewPipeline {
  const { id: _id, iid: _iid, ...fields } = pipelineRecord();
  return { ...fields, ...overrides };
}
