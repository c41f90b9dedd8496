/** The `CI_*` variables the runner defines itself (GitLab Runner's "runner defaults"). */
import type { JobEnvironment } from "../executors/index.js";
import { RUNNER_VERSION } from "./api-client.js";
import { shortToken } from "./config.js";

export interface RunnerVariablesInput {
  readonly env: Pick<JobEnvironment, "buildsDir" | "projectDir" | "tempDir" | "shared">;
  readonly slot: number;
  readonly token: string;
  readonly timeoutSeconds: number;
}

export function runnerVariables(input: RunnerVariablesInput): Record<string, string> {
  const { env } = input;
  return {
    CI_BUILDS_DIR: env.buildsDir,
    CI_PROJECT_DIR: env.projectDir,
    CI_CONCURRENT_ID: String(input.slot),
    CI_CONCURRENT_PROJECT_ID: String(input.slot),
    CI_SERVER: "yes",
    CI_JOB_TIMEOUT: String(input.timeoutSeconds),
    CI_RUNNER_SHORT_TOKEN: shortToken(input.token),
    CI_RUNNER_VERSION: RUNNER_VERSION,
    CI_RUNNER_REVISION: "runfleet",
    CI_RUNNER_EXECUTABLE_ARCH: `${process.platform}/${process.arch}`,
    RUNNER_TEMP_PROJECT_DIR: env.tempDir,
    [env.shared ? "CI_SHARED_ENVIRONMENT" : "CI_DISPOSABLE_ENVIRONMENT"]: "true",
  };
}
