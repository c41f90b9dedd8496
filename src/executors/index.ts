// Executors run a job's stage scripts somewhere: a local process, a container, a pod. This is the one
// explicit registry of them, keyed by the `executor` name of a `[[runners]]` entry.
import { RunfleetError } from "../errors/index.js";
import { createDockerExecutor, parseDockerSettings } from "./docker/index.js";
import { createShellExecutor } from "./shell/index.js";
import type { Executor, ExecutorFactory, ExecutorSettings, ExecutorSettingsCheck } from "./types.js";

export { projectDirFor, safeProjectPath } from "./clone-path.js";
export { ExecutorFailure, failureReasonOf } from "./executor-failure.js";
export type {
  Executor,
  ExecutorFactory,
  ExecutorJob,
  ExecutorSettings,
  ExecutorSettingsCheck,
  JobEnvironment,
  OutputSink,
  StageIo,
  StageOutcome,
} from "./types.js";
export { ExecutorSettingsError } from "./types.js";

export const executors: Readonly<Record<string, ExecutorFactory>> = {
  shell: createShellExecutor,
  docker: createDockerExecutor,
};

/**
 * How each executor checks its `[runners.<executor>]` table; the config reader calls it so that a bad
 * value is reported with its file, line and column, not when the runner starts.
 */
export const executorSettingsChecks: Readonly<Record<string, ExecutorSettingsCheck>> = {
  // The shell executor reads nothing from [runners.shell].
  shell: () => {},
  docker: (section) => {
    parseDockerSettings(section);
  },
};

/** Throws `ExecutorSettingsError` (naming the key) for a bad `[runners.<name>]` table. */
export function checkExecutorSettings(name: string, section: Readonly<Record<string, unknown>>): void {
  executorSettingsChecks[name]?.(section);
}

export function createExecutor(name: string, settings: ExecutorSettings): Executor {
  const factory = executors[name];
  if (factory === undefined) {
    throw new RunfleetError("CONFIG_INVALID", `unknown executor "${name}"`, {
      hint: `known executors: ${Object.keys(executors).join(", ")}`,
    });
  }
  return factory(settings);
}
