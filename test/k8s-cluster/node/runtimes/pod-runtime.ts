import { RunfleetError } from "../../../../src/errors/index.js";
import type { ContainerLog } from "../logs/container-log.js";

export interface MountSpec {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** Everything a runtime needs to start one container of one pod. */
export interface ContainerLaunch {
  readonly podUid: string;
  readonly podName: string;
  /** The pod's hostname: spec.hostname or its name, cut to 63 characters like the kubelet's. */
  readonly hostname: string;
  readonly namespace: string;
  /** The pod's private folder in the agent's state dir. */
  readonly podDir: string;
  readonly name: string;
  readonly image: string;
  /** command + args; empty means the image's own entrypoint. */
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly workingDir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly mounts: readonly MountSpec[];
  readonly attempt: number;
  readonly log: ContainerLog;
}

export interface ContainerExit {
  readonly exitCode: number;
  readonly signal?: number;
  readonly reason: "Completed" | "Error" | "OOMKilled";
  readonly finishedAt: Date;
}

export interface RunningContainer {
  /** `<runtime>://<id>`, the API's containerID. */
  readonly id: string;
  readonly startedAt: Date;
  readonly exited: Promise<ContainerExit>;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
}

/**
 * Why a container did not start. `waiting` keeps it in a waiting state (the kubelet's
 * ErrImageNeverPull, CreateContainerError); `terminated` ends it like runc's StartError (exit 128).
 */
export class ContainerStartError extends RunfleetError {
  constructor(
    readonly outcome: "waiting" | "terminated",
    readonly reason: string,
    message: string,
    cause?: unknown,
  ) {
    super("UNAVAILABLE", message, { cause });
  }
}

/** Where a pod's containers run. Both implementations keep a container's life to its main process. */
export interface PodRuntime {
  readonly kind: "containers" | "processes";
  /** Starts a container; resolves once it runs. Throws ContainerStartError. */
  start(launch: ContainerLaunch): Promise<RunningContainer>;
  /** Removes whatever is left of a pod (its containers must have ended or are killed now). */
  cleanupPod(podUid: string): Promise<void>;
  /** Kills and removes everything this node ever started, including leftovers of a crashed run. */
  cleanupAll(): Promise<void>;
}

export function exitReason(exitCode: number): ContainerExit["reason"] {
  return exitCode === 0 ? "Completed" : "Error";
}
