// Executors run a job's stage scripts somewhere: a local process, a container, a pod. This is the one
// explicit registry of them, keyed by the `executor` name of a `[[runners]]` entry.
import { RunfleetError } from "../errors/index.js";
import { createDockerExecutor } from "./docker/index.js";
import { createShellExecutor } from "./shell/index.js";
import type { Executor, ExecutorFactory, ExecutorSettings } from "./types.js";

export { projectDirFor, safeProjectPath } from "./clone-path.js";
export { ExecutorFailure, failureReasonOf } from "./executor-failure.js";
export type {
  Executor,
  ExecutorFactory,
  ExecutorJob,
  ExecutorSettings,
  JobEnvironment,
  OutputSink,
  StageIo,
  StageOutcome,
} from "./types.js";

export const executors: Readonly<Record<string, ExecutorFactory>> = {
  shell: createShellExecutor,
  docker: createDockerExecutor,
};

export function createExecutor(name: string, settings: ExecutorSettings): Executor {
  const factory = executors[name];
  if (factory === undefined) {
    throw new RunfleetError("CONFIG_INVALID", `unknown executor "${name}"`, {
      hint: `known executors: ${Object.keys(executors).join(", ")}`,
    });
  }
  return factory(settings);
}
