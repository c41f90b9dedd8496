// `runfleet run` on one machine: snapshots the working tree, starts a coordinator on a loopback port and
// a runner manager against it over HTTP, submits the pipeline, shows progress, writes logs and a report.
export { type RunConsole, runLocal } from "./local-run.js";
export {
  defaultConcurrency,
  EXECUTORS,
  JOBS_PER_CORE,
  type LocalExecutor,
  type RunOptions,
} from "./run-options.js";
export type { ReportJob, RunReport } from "./run-report.js";
export { loadProjectVariables } from "./variables-file.js";
