/**
 * The part of the Docker Engine API the executor uses, as a small port: the executor is written
 * against this interface, `HttpDockerClient` speaks it over HTTP, unit tests use a fake.
 */
import type { StreamFrame } from "./stream-frames.js";

/** Body of `POST /containers/create`; only the fields the executor sets. */
export interface ContainerCreateBody {
  readonly Image: string;
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
  readonly Labels: Readonly<Record<string, string>>;
  readonly Tty?: boolean;
  readonly OpenStdin?: boolean;
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  /** Anonymous volumes: removed with the container (`v=1`). */
  readonly Volumes?: Readonly<Record<string, Record<string, never>>>;
  readonly HostConfig: HostConfig;
  readonly NetworkingConfig?: {
    readonly EndpointsConfig: Readonly<Record<string, { readonly Aliases?: readonly string[] }>>;
  };
}

export interface HostConfig {
  readonly Binds?: readonly string[];
  readonly NetworkMode?: string;
  readonly ExtraHosts?: readonly string[];
  readonly Memory?: number;
  readonly NanoCpus?: number;
  readonly Privileged: false;
  readonly AutoRemove: false;
}

export interface ImageInfo {
  readonly id: string;
  /** `"8080/tcp"` style keys of the image's EXPOSE. */
  readonly exposedPorts: readonly string[];
}

export interface ContainerState {
  readonly running: boolean;
  readonly exitCode: number;
  /** IP address per network name. */
  readonly addresses: Readonly<Record<string, string>>;
}

export interface PullOptions {
  /** Base64url JSON of `{username, password, serveraddress}` for `X-Registry-Auth`. */
  readonly registryAuth?: string;
  readonly onStatus?: (line: string) => void;
  /** Aborts the pull (the job's time ran out while pulling). */
  readonly signal?: AbortSignal;
}

export interface DockerClient {
  ping(): Promise<void>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  pullImage(ref: string, options: PullOptions): Promise<void>;
  /** Removes an image; a missing image is not an error. */
  removeImage(ref: string): Promise<void>;
  createContainer(name: string, body: ContainerCreateBody): Promise<string>;
  startContainer(id: string): Promise<void>;
  /**
   * Attaches to a created container's output before it starts, as `docker run` does; resolves once the
   * engine has accepted the attach, with `ended` settling when the output ends — the moment the
   * container does (or `signal` aborts).
   */
  attachContainer(
    id: string,
    onFrame: (frame: StreamFrame) => void,
    signal?: AbortSignal,
  ): Promise<{ readonly ended: Promise<void> }>;
  /** Follows a container's output from its start until it ends (or `signal` aborts). */
  followLogs(id: string, onFrame: (frame: StreamFrame) => void, signal?: AbortSignal): Promise<void>;
  /** The last `lines` lines of a container's output, stdout and stderr together. */
  logsTail(id: string, lines: number): Promise<string>;
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerState>;
  killContainer(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Force-removes a container with its anonymous volumes; a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  /** Ids of containers (running or not) carrying `label=value`. */
  listContainers(label: string, value: string): Promise<string[]>;
  listNetworks(label: string, value: string): Promise<string[]>;
  close(): void;
}
