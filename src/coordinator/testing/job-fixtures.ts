/** Builders for submitted jobs and job records in tests: every field defaulted, override what matters. */
import type { JobScriptSpec, SubmittedJob } from "../types.js";

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
