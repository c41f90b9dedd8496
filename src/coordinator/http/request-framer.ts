/**
 * Cuts a connection's bytes into the calls the lean path serves: a head node:http would accept the
 * same way, a route, and a Content-Length body within the route's limit. At the first request it
 * does not serve (another route, chunked, `Expect`, `Upgrade`, HTTP/1.0, an odd or oversized head)
 * it stops and reports a hand-off; the unconsumed bytes then go to node:http as they arrived.
 */
import type { ApiRoute } from "./api-routes.js";
import { headerTokens, parseRequestHead, type RequestHead } from "./request-head.js";

export interface LeanCall {
  readonly head: RequestHead;
  readonly route: ApiRoute;
  readonly body: Buffer;
  /** The client sent `Connection: close`: answer, then close. */
  readonly close: boolean;
}

export type Frame =
  | { readonly kind: "call"; readonly call: LeanCall }
  /** The buffered bytes begin a request for node:http; `rest()` hands them over. */
  | { readonly kind: "handoff"; readonly reason: string }
  | { readonly kind: "more" };

/** The route a head names and the largest body it takes, or undefined for anything else. */
export type Classify = (head: RequestHead) => { route: ApiRoute; limit: number } | undefined;

/** node:http's default `maxHeaderSize`. */
export const MAX_HEAD_BYTES = 16 * 1024;

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");
const MORE: Frame = { kind: "more" };
const DIGITS = /^\d{1,15}$/;

interface Waiting {
  readonly head: RequestHead;
  readonly route: ApiRoute;
  readonly close: boolean;
  readonly length: number;
}

export class RequestFramer {
  private buf: Buffer = EMPTY;
  private waiting: Waiting | undefined;

  constructor(
    private readonly classify: Classify,
    private readonly maxHeadBytes = MAX_HEAD_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Bytes of a request that has begun but is not complete are buffered. */
  get midRequest(): boolean {
    return this.waiting !== undefined || this.buf.length > 0;
  }

  /** A head has been read and its body is still arriving (no head timeout applies then). */
  get awaitingBody(): boolean {
    return this.waiting !== undefined;
  }

  /** The unconsumed bytes, which the framer gives up. */
  rest(): Buffer {
    const rest = this.buf;
    this.buf = EMPTY;
    return rest;
  }

  next(): Frame {
    const waiting = this.waiting;
    if (waiting !== undefined) {
      if (this.buf.length < waiting.length) return MORE;
      this.waiting = undefined;
      const call: LeanCall = {
        head: waiting.head,
        route: waiting.route,
        close: waiting.close,
        body: this.take(waiting.length),
      };
      return { kind: "call", call };
    }
    // Blank lines before a request line are allowed (RFC 9112 §2.2); llhttp skips them too.
    while (this.buf.length >= 2 && this.buf[0] === 13 && this.buf[1] === 10) this.buf = this.buf.subarray(2);
    const buf = this.buf;
    if (buf.length === 0) return MORE;
    const first = buf[0] ?? 0;
    if (first < 65 || first > 90) return { kind: "handoff", reason: "not a request line" };
    const end = buf.indexOf(HEAD_END);
    if (end < 0) return buf.length > this.maxHeadBytes ? { kind: "handoff", reason: "head too large" } : MORE;
    if (end > this.maxHeadBytes) return { kind: "handoff", reason: "head too large" };
    const parsed = parseRequestHead(buf.toString("latin1", 0, end));
    if (parsed.kind === "odd") return { kind: "handoff", reason: parsed.reason };
    const head = parsed.head;
    const served = this.classify(head);
    if (served === undefined) return { kind: "handoff", reason: "route" };
    const refusal = unservable(head);
    if (refusal !== undefined) return { kind: "handoff", reason: refusal };
    const declared = head.headers.get("content-length");
    if (declared !== undefined && !DIGITS.test(declared))
      return { kind: "handoff", reason: "content-length" };
    const length = declared === undefined ? 0 : Number(declared);
    // Over the limit: node:http answers 413 the way it always has.
    if (length > served.limit) return { kind: "handoff", reason: "body too large" };
    this.buf = buf.subarray(end + 4);
    this.waiting = { head, route: served.route, close: connectionHas(head, "close"), length };
    return this.next();
  }

  private take(n: number): Buffer {
    const body = n === 0 ? EMPTY : this.buf.subarray(0, n);
    this.buf = n === this.buf.length ? EMPTY : this.buf.subarray(n);
    return body;
  }
}

/** Why a head on a served route still goes to node:http, or undefined when it can be served here. */
function unservable(head: RequestHead): string | undefined {
  const h = head.headers;
  if (head.minorVersion !== 1) return "HTTP/1.0";
  if (!h.has("host")) return "no Host";
  if (h.has("transfer-encoding")) return "transfer-encoding";
  if (h.has("expect")) return "expect";
  if (h.has("upgrade") || connectionHas(head, "upgrade")) return "upgrade";
  return undefined;
}

/** Whether the `Connection` header names `token`; a runner's plain `keep-alive` is answered at once. */
function connectionHas(head: RequestHead, token: "close" | "upgrade"): boolean {
  const value = head.headers.get("connection");
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower === "keep-alive") return false;
  return lower === token || headerTokens(lower).includes(token);
}
