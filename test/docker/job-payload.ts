/** A job payload for executor-level tests, every field defaulted; override what the test is about. */
import type { JobPayload } from "../../src/protocol/index.js";

let nextId = 900_000 + Math.floor(Math.random() * 90_000);

export function jobPayload(overrides: Partial<JobPayload> = {}): JobPayload {
  const id = nextId++;
  return {
    id,
    token: `glcbt-test-${id}`,
    allow_git_fetch: true,
    job_info: {
      id,
      name: "job",
      stage: "test",
      pipeline_id: 1,
      project_id: 1,
      project_name: "p",
      project_full_path: "g/p",
    },
    git_info: {
      repo_url: "http://127.0.0.1:1/g/p.git",
      ref: "main",
      sha: "0".repeat(40),
      before_sha: "0".repeat(40),
      ref_type: "branch",
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 60 },
    variables: [],
    steps: [],
    image: null,
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: true, failure_reasons: [] },
    ...overrides,
  };
}
