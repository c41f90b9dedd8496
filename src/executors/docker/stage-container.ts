/**
 * One stage in one container: create, start, follow its output into the stage's sink, wait for the exit
 * code; on cancel or at the deadline SIGTERM, then SIGKILL after a grace period. The container is
 * removed on every path, including when the engine fails half-way.
 */
import type { StageIo, StageOutcome } from "../types.js";
import type { ContainerCreateBody, DockerClient } from "./docker-client.js";

export const STOP_GRACE_MS = 2_000;

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
    await client.startContainer(id);
    if (io.signal.aborted) onAbort();
    let logsBroke: unknown;
    const logs = client
      .followLogs(id, (frame) => io.sink(frame.data), logsDone.signal)
      .catch((err) => {
        logsBroke = err;
      });
    const exitCode = await client.waitContainer(id);
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
