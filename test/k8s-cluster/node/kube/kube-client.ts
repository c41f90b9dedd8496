import type { IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import { RunfleetError } from "../../../../src/errors/index.js";
import { KubeApiError } from "./kube-api-error.js";
import type { KubeCredentials } from "./kubeconfig.js";
import type { ApiStatus } from "./types.js";

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Defaults to JSON; status updates use `application/merge-patch+json`. */
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/** The agent's port to the API server: JSON calls and raw streams. Tests of pure parts fake it. */
export interface KubeClient {
  readonly server: URL;
  call<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Opens a long-lived GET (watch); the caller reads and destroys the response. */
  stream(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage>;
}

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseStatus(text: string): ApiStatus | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as ApiStatus) : undefined;
  } catch {
    return text ? { message: text.slice(0, 300) } : undefined;
  }
}

/** A small typed client over node:https with the kubeconfig's client certificate. */
export class HttpsKubeClient implements KubeClient {
  readonly server: URL;
  private readonly agent: Agent;

  constructor(creds: KubeCredentials) {
    this.server = creds.server;
    this.agent = new Agent({
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      keepAlive: true,
      maxSockets: 64,
    });
  }

  call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const target = withQuery(path, options.query);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise<T>((resolvePromise, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.server.hostname,
          port: this.server.port || 443,
          method,
          path: target,
          timeout: options.timeoutMs ?? 30_000,
          headers: {
            accept: "application/json",
            ...(payload === undefined
              ? {}
              : {
                  "content-type": options.contentType ?? "application/json",
                  "content-length": Buffer.byteLength(payload),
                }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", (cause) => reject(new KubeApiError(method, path, 0, undefined, cause)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolvePromise((text ? JSON.parse(text) : undefined) as T);
            } else {
              reject(new KubeApiError(method, path, status, parseStatus(text)));
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new RunfleetError("UNAVAILABLE", `${method} ${path} timed out`)));
      req.on("error", (cause) => reject(new KubeApiError(method, path, 0, undefined, cause)));
      req.end(payload);
    });
  }

  stream(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.server.hostname,
          port: this.server.port || 443,
          method: "GET",
          path: withQuery(path, query),
          headers: { accept: "application/json" },
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === 200) {
            resolvePromise(res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            reject(
              new KubeApiError("GET", path, status, parseStatus(Buffer.concat(chunks).toString("utf8"))),
            ),
          );
        },
      );
      req.on("error", (cause) => reject(new KubeApiError("GET", path, 0, undefined, cause)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
