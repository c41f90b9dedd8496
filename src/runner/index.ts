// The runner manager: asks a GitLab-compatible coordinator for jobs, runs each on an executor through
// GitLab Runner's stages, streams masked traces, uploads artifacts and reports results. It sees only job
// payloads — never pipelines.
export { GitLabApiClient, RUNNER_VERSION, runnerInfo } from "./api-client.js";
export {
  DEFAULTS,
  type LocalRunnerInput,
  type LogLevel,
  localRunnerConfig,
  type RunnerEntryConfig,
  type RunnerManagerConfig,
  shortToken,
} from "./config.js";
export {
  addRunnerToConfig,
  configPath,
  loadConfigFile,
  type RegisteredRunner,
  systemIdFor,
} from "./config-file.js";
export { type BuildContext, type BuildResult, runBuild } from "./job-build.js";
export type { JobOutcome } from "./job-outcome.js";
export { type ParsedConfig, parseRunnerConfig } from "./parse-config.js";
export { type RegisterInput, type RegisterOutcome, registerRunner } from "./register-runner.js";
export {
  type JobEndEvent,
  type JobStartEvent,
  type JobTraceEvent,
  type LogSink,
  newSystemId,
  RunnerManager,
  type RunnerManagerEvents,
  type RunnerManagerOptions,
} from "./runner-manager.js";
