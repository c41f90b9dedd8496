/** Where one container is in its life, as the worker tracks it (dates, not API strings). */
export type ContainerRun =
  | { readonly kind: "waiting"; readonly reason: string; readonly message?: string }
  | { readonly kind: "running"; readonly id: string; readonly startedAt: Date }
  | {
      readonly kind: "terminated";
      readonly id?: string;
      readonly exitCode: number;
      readonly signal?: number;
      readonly reason: string;
      readonly message?: string;
      readonly startedAt?: Date;
      readonly finishedAt: Date;
    };

export interface ContainerRecord {
  readonly name: string;
  readonly image: string;
  /** An init container with restartPolicy Always: it runs beside the app containers. */
  readonly sidecar: boolean;
  state: ContainerRun;
  lastState: ContainerRun | undefined;
  restartCount: number;
}

/** Set when the pod ends for a reason other than its containers' exit codes. */
export interface PodVerdict {
  readonly phase: "Failed";
  readonly reason: string;
  readonly message: string;
}

export interface PodRunState {
  startTime: Date | undefined;
  /** The sandbox exists (after the Fargate launch wait): PodReadyToStartContainers. */
  sandboxReady: boolean;
  readonly init: ContainerRecord[];
  readonly app: ContainerRecord[];
  verdict: PodVerdict | undefined;
}

/** Exit code and reason the kubelet reports for a process that ended by a signal (128+n). */
export function exitFromSignal(
  signal: NodeJS.Signals | null,
  code: number | null,
): { exitCode: number; signal?: number } {
  if (code !== null) return { exitCode: code };
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1 };
  const n = (signal && numbers[signal]) || 9;
  return { exitCode: 128 + n, signal: n };
}
