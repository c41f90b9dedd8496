/** Builders for submitted jobs and job records in tests: every field defaulted, override what matters. */
import { unrunJobState } from "../state/unrun-job-state.js";
import type { JobRecord, JobScriptSpec, SubmittedJob } from "../types.js";

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
