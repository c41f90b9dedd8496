/**
 * `DockerClient` over HTTP with `node:http`, which reaches a unix socket through `socketPath` and needs no
 * dependency. Engine answers are classified into RunfleetError codes by status (404 → NOT_FOUND,
 * 409 → CONFLICT, 401/403, other → UNAVAILABLE) so callers can tell "missing" from "broken".
 */
import { Agent, type IncomingMessage, request } from "node:http";
import { type ErrorCode, RunfleetError } from "../../errors/index.js";
import type {
  ContainerCreateBody,
  ContainerState,
  DockerClient,
  ImageInfo,
  PullOptions,
} from "./docker-client.js";
import { describeEngine, type EngineAddress } from "./docker-host.js";
import { JsonLines, readPullProgress } from "./json-lines.js";
import { FrameDemuxer, type StreamFrame } from "./stream-frames.js";

const API = "/v1.41";

/** The engine did not answer at all (socket missing, connection refused or reset). */
export class EngineUnreachableError extends RunfleetError {
  constructor(engine: string, cause: Error) {
    super("UNAVAILABLE", `the Docker Engine API at ${engine} did not answer: ${cause.message}`, {
      hint: "start the engine (npm run setup:containers starts podman's) or set DOCKER_HOST",
      cause,
    });
    this.name = "EngineUnreachableError";
  }
}

interface RequestSpec {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

function codeFor(status: number): ErrorCode {
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 400) return "BAD_REQUEST";
  return "UNAVAILABLE";
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function engineMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; cause?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON
  }
  return text.trim();
}

export class HttpDockerClient implements DockerClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly address: EngineAddress) {}

  private open(spec: RequestSpec): Promise<IncomingMessage> {
    const search = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : "";
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const where =
      this.address.kind === "unix"
        ? { socketPath: this.address.socketPath }
        : { host: this.address.host, port: this.address.port };
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...where,
          agent: this.agent,
          method: spec.method,
          path: `${API}${spec.path}${search}`,
          headers: {
            host: "docker",
            ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
            ...spec.headers,
          },
          ...(spec.signal ? { signal: spec.signal } : {}),
        },
        resolve,
      );
      req.on("error", (cause) =>
        reject(
          spec.signal?.aborted
            ? cause
            : new RunfleetError(
                "UNAVAILABLE",
                `the Docker Engine API at ${describeEngine(this.address)} did not answer: ${cause.message}`,
                {
                  hint: "start the engine (npm run setup:containers starts podman's) or set DOCKER_HOST",
                  cause,
                },
              ),
        ),
      );
      req.end(body);
    });
  }

  /** Sends a request and returns the body text of a 2xx answer; throws a classified error otherwise. */
  private async call(spec: RequestSpec): Promise<string> {
    const res = await this.open(spec);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return text;
    throw new RunfleetError(
      codeFor(status),
      `${spec.method} ${spec.path}: ${engineMessage(text)} (HTTP ${status})`,
    );
  }

  async ping(): Promise<void> {
    await this.call({ method: "GET", path: "/_ping" });
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const text = await this.call({ method: "GET", path: `/images/${encodeURIComponent(ref)}/json` });
      const parsed = JSON.parse(text) as {
        Id?: string;
        Config?: { ExposedPorts?: Record<string, unknown> | null };
      };
      return { id: parsed.Id ?? "", exposedPorts: Object.keys(parsed.Config?.ExposedPorts ?? {}) };
    } catch (err) {
      if (err instanceof RunfleetError && err.code === "NOT_FOUND") return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, options: PullOptions): Promise<void> {
    const res = await this.open({
      method: "POST",
      path: "/images/create",
      query: { fromImage: ref },
      headers: options.registryAuth ? { "x-registry-auth": options.registryAuth } : {},
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(res);
      throw new RunfleetError(codeFor(status), `pulling ${ref}: ${engineMessage(text)} (HTTP ${status})`);
    }
    const lines = new JsonLines();
    let error: string | undefined;
    const read = (values: unknown[]): void => {
      for (const value of values) {
        const progress = readPullProgress(value);
        if (progress.error !== undefined) error ??= progress.error;
        else if (progress.status !== undefined) options.onStatus?.(progress.status);
      }
    };
    for await (const chunk of res) read(lines.push(chunk as Buffer));
    read(lines.end());
    if (error !== undefined) throw new RunfleetError("UNAVAILABLE", `pulling ${ref}: ${error.trim()}`);
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.call({
        method: "DELETE",
        path: `/images/${encodeURIComponent(ref)}`,
        query: { force: "1" },
      });
    } catch (err) {
      if (err instanceof RunfleetError && err.code === "NOT_FOUND") return;
      throw err;
    }
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    const text = await this.call({ method: "POST", path: "/containers/create", query: { name }, body });
    const id = (JSON.parse(text) as { Id?: unknown }).Id;
    if (typeof id !== "string")
      throw new RunfleetError("UNAVAILABLE", `creating ${name}: the engine returned no id`);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call({ method: "POST", path: `/containers/${id}/start` });
  }

  async attachContainer(
    id: string,
    onFrame: (frame: StreamFrame) => void,
    signal?: AbortSignal,
  ): Promise<{ readonly ended: Promise<void> }> {
    // Without `Upgrade: tcp` Docker and podman answer 200 and then stream until the container ends.
    const res = await this.open({
      method: "POST",
      path: `/containers/${id}/attach`,
      query: { stream: "1", stdout: "1", stderr: "1", logs: "1" },
      ...(signal ? { signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw new RunfleetError(
        codeFor(status),
        `attaching to ${id}: ${engineMessage(await readBody(res))} (HTTP ${status})`,
      );
    }
    const demux = new FrameDemuxer();
    const ended = (async () => {
      try {
        for await (const chunk of res) for (const frame of demux.push(chunk as Buffer)) onFrame(frame);
      } catch (err) {
        if (!signal?.aborted) throw err;
      }
    })();
    return { ended };
  }

  async followLogs(id: string, onFrame: (frame: StreamFrame) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.open({
      method: "GET",
      path: `/containers/${id}/logs`,
      query: { follow: "1", stdout: "1", stderr: "1" },
      ...(signal ? { signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw new RunfleetError(
        codeFor(status),
        `logs of ${id}: ${engineMessage(await readBody(res))} (HTTP ${status})`,
      );
    }
    const demux = new FrameDemuxer();
    try {
      for await (const chunk of res) for (const frame of demux.push(chunk as Buffer)) onFrame(frame);
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  }

  async logsTail(id: string, lines: number): Promise<string> {
    const res = await this.open({
      method: "GET",
      path: `/containers/${id}/logs`,
      query: { stdout: "1", stderr: "1", tail: String(lines) },
    });
    const demux = new FrameDemuxer();
    const parts: Buffer[] = [];
    for await (const chunk of res) for (const frame of demux.push(chunk as Buffer)) parts.push(frame.data);
    return Buffer.concat(parts).toString("utf8");
  }

  async waitContainer(id: string): Promise<number> {
    const text = await this.call({ method: "POST", path: `/containers/${id}/wait` });
    const parsed = JSON.parse(text) as { StatusCode?: unknown };
    return typeof parsed.StatusCode === "number" ? parsed.StatusCode : -1;
  }

  async inspectContainer(id: string): Promise<ContainerState> {
    const text = await this.call({ method: "GET", path: `/containers/${id}/json` });
    const parsed = JSON.parse(text) as {
      State?: { Running?: boolean; ExitCode?: number };
      NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null };
    };
    const addresses: Record<string, string> = {};
    for (const [name, net] of Object.entries(parsed.NetworkSettings?.Networks ?? {}))
      if (net.IPAddress) addresses[name] = net.IPAddress;
    return { running: parsed.State?.Running === true, exitCode: parsed.State?.ExitCode ?? -1, addresses };
  }

  async killContainer(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    try {
      await this.call({ method: "POST", path: `/containers/${id}/kill`, query: { signal } });
    } catch (err) {
      // Already stopped (409) or gone (404): the goal is reached.
      if (err instanceof RunfleetError && (err.code === "CONFLICT" || err.code === "NOT_FOUND")) return;
      // podman answers 500 "container state improper" for a stopped container.
      if (err instanceof RunfleetError && /state improper|not running/i.test(err.message)) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.call({ method: "DELETE", path: `/containers/${id}`, query: { force: "1", v: "1" } });
    } catch (err) {
      if (err instanceof RunfleetError && err.code === "NOT_FOUND") return;
      throw err;
    }
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<string> {
    const text = await this.call({
      method: "POST",
      path: "/networks/create",
      body: { Name: name, Driver: "bridge", CheckDuplicate: true, Labels: labels },
    });
    const id = (JSON.parse(text) as { Id?: unknown }).Id;
    return typeof id === "string" && id !== "" ? id : name;
  }

  async removeNetwork(id: string): Promise<void> {
    try {
      await this.call({ method: "DELETE", path: `/networks/${id}` });
    } catch (err) {
      if (err instanceof RunfleetError && err.code === "NOT_FOUND") return;
      throw err;
    }
  }

  async listContainers(label: string, value: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`${label}=${value}`] });
    const text = await this.call({ method: "GET", path: "/containers/json", query: { all: "1", filters } });
    return (JSON.parse(text) as Array<{ Id: string }>).map((c) => c.Id);
  }

  async listNetworks(label: string, value: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`${label}=${value}`] });
    const text = await this.call({ method: "GET", path: "/networks", query: { filters } });
    return (JSON.parse(text) as Array<{ Id?: string; Name: string }>).map((n) => n.Name);
  }

  close(): void {
    this.agent.destroy();
  }
}
