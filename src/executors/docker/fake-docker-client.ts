/**
 * An in-memory `DockerClient` for unit tests of the executor's bookkeeping (what gets created and
 * removed on failure paths). Any method can be made to fail; containers exit at once with `exitCode`.
 */
import type { RunfleetError } from "../../errors/index.js";
import type {
  ContainerCreateBody,
  ContainerState,
  DockerClient,
  ImageInfo,
  PullOptions,
} from "./docker-client.js";
import type { StreamFrame } from "./stream-frames.js";

interface FakeContainer {
  readonly name: string;
  readonly body: ContainerCreateBody;
  running: boolean;
}

export class FakeDockerClient implements DockerClient {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, Readonly<Record<string, string>>>();
  readonly images = new Set<string>();
  /** Method name → the error it throws (after doing its work, when `afterWork` lists it). */
  readonly failures = new Map<keyof DockerClient, RunfleetError>();
  readonly afterWork = new Set<keyof DockerClient>();
  exitCode = 0;
  output = "";
  private nextId = 1;

  private fail(method: keyof DockerClient): void {
    const err = this.failures.get(method);
    if (err) throw err;
  }

  async ping(): Promise<void> {
    this.fail("ping");
  }
  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    this.fail("inspectImage");
    return this.images.has(ref) ? { id: `sha256:${ref.length}`, exposedPorts: [] } : undefined;
  }
  /** A pull that never ends unless aborted. */
  pullHangs = false;

  async pullImage(ref: string, options: PullOptions = {}): Promise<void> {
    this.fail("pullImage");
    if (this.pullHangs) {
      await new Promise((_, reject) => {
        options.signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      });
    }
    this.images.add(ref);
  }
  async removeImage(ref: string): Promise<void> {
    this.images.delete(ref);
  }
  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    if (!this.afterWork.has("createContainer")) this.fail("createContainer");
    const id = `c${this.nextId++}`;
    this.containers.set(id, { name, body, running: false });
    this.fail("createContainer");
    return id;
  }
  async startContainer(id: string): Promise<void> {
    this.fail("startContainer");
    const c = this.containers.get(id);
    if (c) c.running = true;
  }
  async attachContainer(
    _id: string,
    onFrame: (frame: StreamFrame) => void,
  ): Promise<{ readonly ended: Promise<void> }> {
    // The output arrives once started; a failure set for attachContainer breaks the stream mid-way.
    const ended = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      if (this.output !== "") onFrame({ stream: "stdout", data: Buffer.from(this.output) });
      this.fail("attachContainer");
    });
    ended.catch(() => undefined);
    return { ended };
  }
  async followLogs(_id: string, onFrame: (frame: StreamFrame) => void): Promise<void> {
    this.fail("followLogs");
    if (this.output !== "") onFrame({ stream: "stdout", data: Buffer.from(this.output) });
  }
  async logsTail(): Promise<string> {
    return "";
  }
  async waitContainer(id: string): Promise<number> {
    this.fail("waitContainer");
    const c = this.containers.get(id);
    if (c) c.running = false;
    return this.exitCode;
  }
  async inspectContainer(id: string): Promise<ContainerState> {
    const c = this.containers.get(id);
    return { running: c?.running ?? false, exitCode: 0, addresses: { bridge: "127.0.0.1" } };
  }
  async killContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) c.running = false;
  }
  async removeContainer(id: string): Promise<void> {
    this.fail("removeContainer");
    this.containers.delete(id);
  }
  async createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<string> {
    this.fail("createNetwork");
    this.networks.set(name, labels);
    return name;
  }
  async removeNetwork(id: string): Promise<void> {
    this.networks.delete(id);
  }
  async listContainers(label: string, value: string): Promise<string[]> {
    return [...this.containers].filter(([, c]) => c.body.Labels[label] === value).map(([id]) => id);
  }
  async listNetworks(label: string, value: string): Promise<string[]> {
    return [...this.networks].filter(([, labels]) => labels[label] === value).map(([name]) => name);
  }
  close(): void {}
}
