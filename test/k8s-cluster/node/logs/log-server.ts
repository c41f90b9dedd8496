import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { RunfleetError, toRunfleetError } from "../../../../src/errors/index.js";
import { readLogFile } from "./container-log.js";
import {
  type LogQuery,
  type LogRecord,
  parseLogQuery,
  passesSince,
  renderRecord,
  selectRecords,
} from "./log-query.js";
import type { LogStore } from "./log-store.js";

const notSupported = /^\/(exec|attach|portForward|run)\//;

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
}

/** Writes lines within limitBytes; returns false once the limit is reached (stream ended). */
class LimitedWriter {
  private written = 0;
  constructor(
    private readonly res: ServerResponse,
    private readonly query: LogQuery,
  ) {}

  write(record: LogRecord): boolean {
    let text = renderRecord(record, this.query.timestamps);
    const limit = this.query.limitBytes;
    if (limit !== undefined) {
      const room = limit - this.written;
      if (room <= 0) return false;
      const bytes = Buffer.from(text);
      if (bytes.length > room) text = bytes.subarray(0, room).toString("utf8");
      this.written += Math.min(bytes.length, room);
    }
    this.res.write(text);
    return limit === undefined || this.written < limit;
  }
}

/**
 * `GET /containerLogs/{ns}/{pod}/{container}` as the API server proxies `kubectl logs` to a kubelet.
 * Plain text; when following, each line is written as it arrives and the response ends when the
 * container's log closes (the container ended).
 */
export function handleKubeletRequest(store: LogStore, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "https://kubelet");
  if (url.pathname === "/healthz") {
    res.end("ok");
    return;
  }
  if (notSupported.test(url.pathname)) {
    fail(res, 501, "this node does not support exec, attach, port-forward or run");
    return;
  }
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (req.method !== "GET" || !match) {
    fail(res, 404, `not found: ${req.method} ${url.pathname}`);
    return;
  }
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent) as [string, string, string];
  let query: LogQuery;
  try {
    query = parseLogQuery(url.searchParams, new Date());
  } catch (err) {
    fail(res, 400, toRunfleetError(err).message);
    return;
  }
  const found = store.find(namespace, pod, container, query.previous);
  if (found.kind === "missing") {
    const message = query.previous
      ? `previous terminated container "${container}" in pod "${pod}" not found`
      : `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`;
    fail(res, 400, message);
    return;
  }
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  const writer = new LimitedWriter(res, query);
  const follow = query.follow && found.kind === "live";
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    res.end();
  };
  const subscription =
    found.kind === "live"
      ? found.log.snapshot(
          follow
            ? {
                line: (record) => {
                  if (!ended && passesSince(record, query) && !writer.write(record)) {
                    subscription.unsubscribe();
                    finish();
                  }
                },
                end: finish,
              }
            : undefined,
        )
      : { records: readLogFile(found.path), unsubscribe: () => false };
  req.on("close", () => subscription.unsubscribe());
  for (const record of selectRecords(subscription.records, query)) {
    if (!writer.write(record)) {
      subscription.unsubscribe();
      finish();
      return;
    }
  }
  if (!follow || (found.kind === "live" && found.log.closed)) {
    subscription.unsubscribe();
    finish();
  }
}

export interface KubeletServerOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When set, clients (the API server) must present a certificate signed by this CA. */
  readonly clientCa: Buffer | undefined;
  readonly port: number;
  readonly host: string;
}

export function startKubeletServer(store: LogStore, options: KubeletServerOptions): Promise<Server> {
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => handleKubeletRequest(store, req, res),
  );
  return new Promise((resolve, reject) => {
    server.once("error", (cause) =>
      reject(
        new RunfleetError(
          "UNAVAILABLE",
          `kubelet endpoint cannot listen on ${options.host}:${options.port}`,
          {
            cause,
            hint: "another agent may hold the port; set RUNFLEET_NODE_PORT",
          },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve(server));
  });
}
