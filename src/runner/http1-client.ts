/**
 * A lean HTTP/1.1 client for plain `http:` origins: keep-alive sockets per origin, each request written
 * in one piece, each response parsed in place (Content-Length, chunked, or until close). node:http
 * builds a ClientRequest, an IncomingMessage and their streams per call; at thousands of short jobs a
 * second that machinery cost the runner more than the jobs did. `https:` stays on node:https.
 */
import { connect, type Socket } from "node:net";

export interface Http1Request {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

export interface Http1Response {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

const MAX_SOCKETS_PER_ORIGIN = 256;
const MAX_HEAD_BYTES = 64 * 1024;
/** Idle sockets are dropped after this unless the server's `Keep-Alive: timeout=` says otherwise. */
const DEFAULT_IDLE_MS = 4_000;
const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
const INVALID_HEADER = /[\r\n\0]/;

/** Path and query as sent on the request line, cut from `href` (the URL's component getters cost more). */
function requestTarget(url: URL): string {
  const href = url.href;
  const start = href.indexOf("/", url.protocol.length + 2);
  if (start < 0) return "/";
  const hash = href.indexOf("#", start);
  return hash < 0 ? href.slice(start) : href.slice(start, hash);
}

function abortError(): Error {
  const err = new Error("the request was aborted");
  err.name = "AbortError";
  return err;
}

type Phase = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" | "until-close";

/** One request and its response being read. */
class Exchange {
  phase: Phase = "head";
  status = 0;
  headers = new Map<string, string>();
  remaining = 0;
  readonly chunks: Buffer[] = [];
  keepAlive = true;
  receivedAny = false;
  onAbort: (() => void) | undefined;

  constructor(
    readonly request: Http1Request,
    readonly resolve: (res: Http1Response) => void,
    readonly reject: (err: unknown) => void,
  ) {}
}

/**
 * Exchanges in flight per signal. A runner passes one signal (its shutdown) to every poll; one abort
 * listener per signal and a set costs less than adding and removing a listener per request.
 */
const watched = new WeakMap<AbortSignal, Set<Exchange>>();

function watch(signal: AbortSignal, ex: Exchange): void {
  let set = watched.get(signal);
  if (set === undefined) {
    const exchanges = new Set<Exchange>();
    set = exchanges;
    watched.set(signal, exchanges);
    signal.addEventListener(
      "abort",
      () => {
        watched.delete(signal);
        for (const e of [...exchanges]) e.onAbort?.();
      },
      { once: true },
    );
  }
  set.add(ex);
}

function unwatch(ex: Exchange): void {
  ex.onAbort = undefined;
  const signal = ex.request.signal;
  if (signal !== undefined) watched.get(signal)?.delete(ex);
}

class Connection {
  private pending: Buffer = EMPTY;
  current: Exchange | undefined;
  /** Requests this socket has carried: a failure on a reused socket before any answer is retried once. */
  uses = 0;
  idleSince = 0;
  idleMs = DEFAULT_IDLE_MS;
  closed = false;

  constructor(
    readonly socket: Socket,
    private readonly pool: OriginPool,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1_000);
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("error", (err) => this.onClose(err));
    socket.on("close", () => this.onClose(undefined));
  }

  send(ex: Exchange): void {
    this.current = ex;
    this.uses++;
    this.pending = EMPTY;
    const { method, url, headers, body } = ex.request;
    let head = `${method} ${requestTarget(url)} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const name of Object.keys(headers)) {
      const value = headers[name] ?? "";
      if (INVALID_HEADER.test(name) || INVALID_HEADER.test(value))
        throw new TypeError(`invalid character in the ${name} header`);
      if (name.toLowerCase() === "content-length" || name.toLowerCase() === "host") continue;
      head += `${name}: ${value}\r\n`;
    }
    if (body !== undefined || method === "POST" || method === "PUT" || method === "PATCH")
      head += `Content-Length: ${body?.length ?? 0}\r\n`;
    head += "Connection: keep-alive\r\n\r\n";
    this.socket.ref();
    if (body === undefined || body.length === 0) {
      this.socket.write(head, "latin1");
    } else {
      this.socket.cork();
      this.socket.write(head, "latin1");
      this.socket.write(body);
      this.socket.uncork();
    }
  }

  private onData(data: Buffer): void {
    const ex = this.current;
    if (ex === undefined) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy();
      return;
    }
    ex.receivedAny = true;
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    try {
      this.parse(ex);
    } catch (err) {
      this.fail(ex, err);
      this.socket.destroy();
    }
  }

  /** Consumes `pending` as far as it goes; completes the exchange when its body has ended. */
  private parse(ex: Exchange): void {
    for (;;) {
      const buf = this.pending;
      switch (ex.phase) {
        case "head": {
          const end = buf.indexOf(HEAD_END);
          if (end < 0) {
            if (buf.length > MAX_HEAD_BYTES) throw new Error("response head too large");
            return;
          }
          this.pending = buf.subarray(end + 4);
          this.readHead(ex, buf.toString("latin1", 0, end));
          if (ex.phase === "head") continue; // an interim 1xx answer
          if (this.done(ex)) return;
          break;
        }
        case "length":
        case "chunk-data": {
          if (buf.length === 0) return;
          const take = Math.min(ex.remaining, buf.length);
          ex.chunks.push(buf.subarray(0, take));
          ex.remaining -= take;
          this.pending = buf.subarray(take);
          if (ex.remaining > 0) return;
          if (ex.phase === "chunk-data") ex.phase = "chunk-end";
          else if (this.done(ex)) return;
          break;
        }
        case "chunk-end": {
          if (buf.length < 2) return;
          if (buf[0] !== 13 || buf[1] !== 10) throw new Error("malformed chunked response");
          this.pending = buf.subarray(2);
          ex.phase = "chunk-size";
          break;
        }
        case "chunk-size": {
          const eol = buf.indexOf(CRLF);
          if (eol < 0) {
            if (buf.length > 1024) throw new Error("malformed chunked response");
            return;
          }
          const line = buf.toString("latin1", 0, eol);
          const size = Number.parseInt(line.split(";")[0]?.trim() ?? "", 16);
          if (!Number.isFinite(size) || size < 0) throw new Error("malformed chunked response");
          this.pending = buf.subarray(eol + 2);
          ex.remaining = size;
          ex.phase = size === 0 ? "trailers" : "chunk-data";
          break;
        }
        case "trailers": {
          const eol = buf.indexOf(CRLF);
          if (eol < 0) return;
          this.pending = buf.subarray(eol + 2);
          if (eol === 0) {
            this.complete(ex);
            return;
          }
          break;
        }
        case "until-close":
          if (buf.length > 0) ex.chunks.push(buf);
          this.pending = EMPTY;
          return;
        default: {
          const never: never = ex.phase;
          throw new Error(`unknown phase ${String(never)}`);
        }
      }
    }
  }

  private readHead(ex: Exchange, head: string): void {
    // "HTTP/1.x NNN ..."
    if (!head.startsWith("HTTP/1.") || head.charCodeAt(8) !== 32)
      throw new Error("malformed response status line");
    const minor = head.charAt(7);
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100 || (minor !== "0" && minor !== "1"))
      throw new Error("malformed response status line");
    if (status < 200 && status !== 101) return; // 100 Continue, 103 Early Hints
    ex.status = status;
    const headers = ex.headers;
    let at = head.indexOf("\r\n");
    while (at >= 0) {
      const start = at + 2;
      const next = head.indexOf("\r\n", start);
      const line = next < 0 ? head.slice(start) : head.slice(start, next);
      at = next;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    const connection = headers.get("connection")?.toLowerCase() ?? "";
    ex.keepAlive = minor === "1" ? !connection.includes("close") : connection.includes("keep-alive");
    const keepAliveHint = headers.get("keep-alive");
    const hint = keepAliveHint === undefined ? null : /timeout=(\d+)/i.exec(keepAliveHint);
    if (hint !== null) this.idleMs = Math.max(0, Number(hint[1]) * 1000 - 1000);
    const noBody = ex.request.method === "HEAD" || status === 204 || status === 304 || status === 101;
    const te = headers.get("transfer-encoding")?.toLowerCase();
    const length = headers.get("content-length");
    if (noBody) {
      ex.phase = "length";
      ex.remaining = 0;
    } else if (te !== undefined && te !== "identity") {
      if (!te.endsWith("chunked")) {
        ex.phase = "until-close";
        ex.keepAlive = false;
      } else {
        ex.phase = "chunk-size";
      }
    } else if (length !== undefined) {
      const n = Number(length.split(",")[0]);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error("malformed Content-Length");
      ex.phase = "length";
      ex.remaining = n;
    } else {
      ex.phase = "until-close";
      ex.keepAlive = false;
    }
  }

  /** After a head or a body part: completes a fixed-length body that has fully arrived. */
  private done(ex: Exchange): boolean {
    if (ex.phase !== "length" || ex.remaining > 0) return false;
    this.complete(ex);
    return true;
  }

  private complete(ex: Exchange): void {
    this.current = undefined;
    this.detach(ex);
    const body = ex.chunks.length === 1 ? (ex.chunks[0] ?? EMPTY) : Buffer.concat(ex.chunks);
    // A request body still being written (an early answer such as 413) leaves the socket out of step.
    const reusable =
      ex.keepAlive && this.pending.length === 0 && !this.closed && this.socket.writableLength === 0;
    this.pending = EMPTY;
    if (reusable) this.pool.release(this);
    else this.socket.destroy();
    ex.resolve({ status: ex.status, headers: ex.headers, body });
  }

  private detach(ex: Exchange): void {
    unwatch(ex);
  }

  fail(ex: Exchange, err: unknown): void {
    if (this.current !== ex) return;
    this.current = undefined;
    this.detach(ex);
    ex.reject(err);
  }

  private onClose(err: Error | undefined): void {
    const first = !this.closed;
    this.closed = true;
    const ex = this.current;
    if (ex !== undefined) {
      if (ex.phase === "until-close" && err === undefined) {
        this.complete(ex);
      } else {
        this.current = undefined;
        this.detach(ex);
        const retry = this.uses > 1 && !ex.receivedAny && !(ex.request.signal?.aborted ?? false);
        if (retry) this.pool.dispatch(ex, true);
        else ex.reject(err ?? new Error("connection closed before the response ended"));
      }
    }
    if (first) this.pool.forget(this);
  }
}

class OriginPool {
  private readonly idle: Connection[] = [];
  private readonly queue: { ex: Exchange; fresh: boolean }[] = [];
  private open = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  dispatch(ex: Exchange, fresh = false): void {
    if (ex.request.signal?.aborted) {
      ex.reject(abortError());
      return;
    }
    const conn = fresh ? undefined : this.takeIdle();
    if (conn !== undefined) {
      this.start(conn, ex);
      return;
    }
    if (this.open >= MAX_SOCKETS_PER_ORIGIN) {
      this.queue.push({ ex, fresh });
      this.watchAbort(ex, () => {
        const i = this.queue.findIndex((q) => q.ex === ex);
        if (i >= 0) this.queue.splice(i, 1);
      });
      return;
    }
    this.open++;
    this.start(new Connection(connect({ host: this.host, port: this.port }), this), ex);
  }

  private watchAbort(ex: Exchange, withdraw: () => void): void {
    const signal = ex.request.signal;
    if (signal === undefined) return;
    ex.onAbort = () => {
      ex.onAbort = undefined;
      withdraw();
      ex.reject(abortError());
    };
    watch(signal, ex);
  }

  private start(conn: Connection, ex: Exchange): void {
    this.watchAbort(ex, () => {
      conn.fail(ex, abortError());
      conn.socket.destroy();
    });
    try {
      conn.send(ex);
    } catch (err) {
      conn.fail(ex, err);
      this.release(conn);
    }
  }

  private takeIdle(): Connection | undefined {
    const now = Date.now();
    for (;;) {
      const conn = this.idle.pop();
      if (conn === undefined) return undefined;
      if (!conn.closed && now - conn.idleSince < conn.idleMs) return conn;
      conn.socket.destroy();
    }
  }

  release(conn: Connection): void {
    if (conn.closed) return;
    const next = this.queue.shift();
    if (next !== undefined) {
      this.start(conn, next.ex);
      return;
    }
    conn.idleSince = Date.now();
    conn.socket.unref();
    this.idle.push(conn);
  }

  forget(conn: Connection): void {
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.queue.shift();
    if (next !== undefined) this.dispatch(next.ex, next.fresh);
  }
}

const pools = new Map<string, OriginPool>();

/** One exchange over a pooled keep-alive connection to `url`'s origin (`http:` only). */
export function http1Request(request: Http1Request): Promise<Http1Response> {
  const { url } = request;
  if (url.protocol !== "http:") return Promise.reject(new TypeError(`not an http: URL: ${url.href}`));
  const key = url.host;
  let pool = pools.get(key);
  if (pool === undefined) {
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    pool = new OriginPool(host, url.port === "" ? 80 : Number(url.port));
    pools.set(key, pool);
  }
  const target = pool;
  return new Promise((resolve, reject) => target.dispatch(new Exchange(request, resolve, reject)));
}
