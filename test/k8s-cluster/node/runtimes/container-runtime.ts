import { spawn } from "node:child_process";
import {
  type ContainerExit,
  type ContainerLaunch,
  ContainerStartError,
  exitReason,
  type PodRuntime,
  type RunningContainer,
} from "./pod-runtime.js";
import { containerName, nodeLabel, podmanCreateArgs, podUidLabel } from "./podman-args.js";
import { podman } from "./podman-cli.js";

const imageMissing = /image not known|no such image|unable to find image|image not found/i;

/**
 * Pod containers in podman: created with their image (never pulled: images are built locally),
 * then started attached so their stdout and stderr stream straight into the container log, and
 * the exit code read back from podman afterwards. Labels tie every container to this node and its
 * pod for cleanup.
 */
export class ContainerRuntime implements PodRuntime {
  readonly kind = "containers";

  constructor(
    private readonly nodeName: string,
    private readonly log: (message: string) => void,
    private readonly bin = "podman",
  ) {}

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    // A leftover of the same name (an agent crash between create and cleanup) would block create.
    await podman(["rm", "--force", "--time", "0", containerName(launch)], this.bin);
    const created = await podman(podmanCreateArgs(launch, this.nodeName), this.bin);
    if (created.code !== 0) {
      const message = `podman create ${launch.image}: ${created.stderr.trim()}`;
      if (imageMissing.test(created.stderr)) {
        throw new ContainerStartError(
          "waiting",
          "ErrImageNeverPull",
          `Container image "${launch.image}" is not present with pull policy of Never (${created.stderr.trim()})`,
        );
      }
      throw new ContainerStartError("waiting", "CreateContainerError", message);
    }
    const id = created.stdout.trim();
    // Its own process group and no signal proxying: a signal to the agent's group (cluster:down)
    // must not reach the container; only the agent's own kill() decides what the container gets.
    const attached = spawn(this.bin, ["start", "--attach", "--sig-proxy=false", id], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    await new Promise<void>((ok, fail) => {
      attached.once("spawn", ok);
      attached.once("error", (err) =>
        fail(new ContainerStartError("terminated", "StartError", `podman start: ${err.message}`, err)),
      );
    });
    const startedAt = new Date();
    attached.stdout?.on("data", (chunk: Buffer) => launch.log.append("stdout", chunk));
    attached.stderr?.on("data", (chunk: Buffer) => launch.log.append("stderr", chunk));
    const exited = new Promise<ContainerExit>((done) => {
      attached.once("close", async (code) => {
        // The attach session can end before the container does; `podman wait` is the container's end.
        const waited = await podman(["wait", id], this.bin);
        const inspected = await podman(
          ["inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", id],
          this.bin,
        );
        const [exitText, oom] = inspected.stdout.trim().split(" ");
        const exitCode =
          waited.code === 0 && /^\d+$/.test(waited.stdout.trim())
            ? Number(waited.stdout.trim())
            : inspected.code === 0 && exitText !== undefined
              ? Number(exitText)
              : (code ?? 137);
        done({
          exitCode,
          reason: oom === "true" ? "OOMKilled" : exitReason(exitCode),
          finishedAt: new Date(),
        });
      });
    });
    return {
      id: `podman://${id}`,
      startedAt,
      exited,
      kill: (signal) => {
        void podman(["kill", "--signal", signal, id], this.bin).then((r) => {
          if (r.code !== 0 && !/no such container|not running|can only kill running/i.test(r.stderr)) {
            this.log(`podman kill ${id}: ${r.stderr.trim()}`);
          }
        });
      },
    };
  }

  cleanupPod(podUid: string): Promise<void> {
    return this.removeByLabel(`${podUidLabel}=${podUid}`);
  }

  cleanupAll(): Promise<void> {
    return this.removeByLabel(`${nodeLabel}=${this.nodeName}`);
  }

  private async removeByLabel(label: string): Promise<void> {
    const listed = await podman(["ps", "--all", "--quiet", "--filter", `label=${label}`], this.bin);
    const ids = listed.stdout.split("\n").filter(Boolean);
    if (ids.length === 0) return;
    const removed = await podman(["rm", "--force", "--time", "0", ...ids], this.bin);
    if (removed.code !== 0) this.log(`podman rm: ${removed.stderr.trim()}`);
  }
}
