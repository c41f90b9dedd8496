/**
 * One stage in one container: create, start, follow its output into the stage's sink, wait for the exit
 * code; on cancel or at the deadline SIGTERM, then SIGKILL after a grace period. The container is
 * removed on every path, including when the engine fails half-way.
 */
import type { StageIo, StageOutcome } from "../types.js";
import type { ContainerCreateBody, DockerClient } from "./docker-client.js";

export const STOP_GRACE_MS = 2_000;
const WAIT_AFTER_MS = 2_000;

export interface StageContainer {
  readonly client: DockerClient;
  readonly name: string;
  readonly body: ContainerCreateBody;
  /** Records the container id as soon as it exists, so a job cleanup finds it whatever happens here. */
  readonly track: (id: string) => void;
}

export async function runStageContainer(stage: StageContainer, io: StageIo): Promise<StageOutcome> {
  const { client } = stage;
  const id = await client.createContainer(stage.name, stage.body);
  stage.track(id);
  let ending: "canceled" | "timed_out" | undefined;
  let grace: NodeJS.Timeout | undefined;
  const stop = (why: "canceled" | "timed_out"): void => {
    if (ending !== undefined) return;
    ending = why;
    client.killContainer(id, "SIGTERM").catch(() => undefined);
    grace = setTimeout(() => client.killContainer(id, "SIGKILL").catch(() => undefined), STOP_GRACE_MS);
  };
  const onAbort = (): void => stop("canceled");
  const timer = setTimeout(() => stop("timed_out"), Math.max(0, io.deadline - Date.now()));
  io.signal.addEventListener("abort", onAbort, { once: true });
  const logsDone = new AbortController();
  try {
    let logsBroke: unknown;
    const broke = (err: unknown) => {
      logsBroke = err;
    };
    const sink = (frame: { readonly data: Uint8Array }) => io.sink(frame.data);
    // Attached before the start, the output ends the moment the container does; a followed log can
    // trail it by the engine's poll interval (podman: 250 ms).
    const attached = await client.attachContainer(id, sink, logsDone.signal).catch(() => undefined);
    const attachedOutput = attached?.ended.catch(broke);
    await client.startContainer(id);
    if (io.signal.aborted) onAbort();
    const logs = attachedOutput ?? client.followLogs(id, sink, logsDone.signal).catch(broke);
    const exitCode = await exitCodeOf(client, id, logs);
    // The log stream ends with the container; a bounded wait covers engines that keep it open.
    await Promise.race([logs, new Promise((r) => setTimeout(r, 2_000))]);
    if (logsBroke !== undefined) {
      // The script's result still counts; the trace says that its output may be incomplete.
      const why = logsBroke instanceof Error ? logsBroke.message : String(logsBroke);
      io.sink(Buffer.from(`\nWARNING: the job's output stream from the engine broke: ${why}\n`));
    }
    return ending ? { kind: ending } : { kind: "exited", exitCode };
  } finally {
    clearTimeout(timer);
    if (grace) clearTimeout(grace);
    io.signal.removeEventListener("abort", onAbort);
    logsDone.abort();
    // A removal the engine refuses now is retried by the job's cleanup, which sweeps by label.
    await client.removeContainer(id).catch(() => undefined);
  }
}

/**
 * The container's exit code: from its state as soon as its output has ended (the attached stream ends
 * with the container), else from the engine's wait. The wait starts only then, or after
 * `WAIT_AFTER_MS` for a long stage: podman's Docker-compatible wait polls every 250 ms and holds the
 * container while it does, which would delay both the answer and the removal of a short stage.
 */
export async function exitCodeOf(
  client: DockerClient,
  id: string,
  outputEnded: Promise<unknown>,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), WAIT_AFTER_MS);
  });
  try {
    if ((await Promise.race([outputEnded, late])) !== "late") {
      const state = await client.inspectContainer(id).catch(() => undefined);
      if (state !== undefined && !state.running) return state.exitCode;
    }
  } finally {
    clearTimeout(timer);
  }
  return client.waitContainer(id);
}
