/**
 * One connection on the lean path: requests framed in place, served by the same route code as
 * node:http, answered in order with one write each (pipelined calls run concurrently). At the first
 * request it does not serve, and only once none of its own calls is in flight, the connection goes
 * to node:http with the unconsumed bytes put back.
 */
import type { Socket } from "node:net";
import { Hangup } from "../dispatch/hangup.js";
import type { ApiContext } from "./api-context.js";
import { type ApiRequest, serveApi } from "./api-routes.js";
import { errorReply, type Reply } from "./http-io.js";
import { encodeReply, REQUEST_TIMEOUT_REPLY } from "./reply-writer.js";
import { type Classify, type LeanCall, RequestFramer } from "./request-framer.js";

export interface LeanHost {
  readonly ctx: ApiContext;
  readonly classify: Classify;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Gives the socket, with `rest` put back in front of what it has not read, to node:http. */
  handOff(socket: Socket, rest: Buffer): void;
  /** The connection is no longer the lean path's (closed or handed off). */
  forget(conn: LeanConnection): void;
}

interface Pending {
  out: string | Buffer | undefined;
  readonly close: boolean;
  readonly hangup: Hangup;
}

/** Calls read ahead of their answers before reading pauses (node pauses on queued output likewise). */
const MAX_PIPELINED = 32;
const BASE = "http://coordinator";

/** A framed call as the routes see it; a class, so no closures are made per request. */
class LeanRequest implements ApiRequest {
  readonly method: string;
  readonly target: string;
  readonly body: Buffer;

  constructor(
    private readonly call: LeanCall,
    readonly hangup: Hangup,
  ) {
    this.method = call.head.method;
    this.target = call.head.target;
    this.body = call.body;
  }

  header(name: string): string | undefined {
    return this.call.head.headers.get(name);
  }

  url(): URL {
    return new URL(this.target, BASE);
  }
}

export class LeanConnection {
  private readonly framer: RequestFramer;
  private readonly pending: Pending[] = [];
  /** Since when the connection has been idle, or its current head has been arriving. */
  private since = Date.now();
  /** No request has been read yet (node:http's head timeout runs from the connection's start). */
  private fresh = true;
  private handingOff = false;
  /** A `Connection: close` call was read: nothing after it is. */
  private closing = false;
  private paused = false;
  private gone = false;

  constructor(
    readonly socket: Socket,
    private readonly host: LeanHost,
  ) {
    this.framer = new RequestFramer(host.classify);
    socket.on("data", this.onData);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
    socket.on("drain", this.onDrain);
  }

  /** Applies the head and keep-alive timeouts; called about once a second by the server. */
  sweep(now: number): void {
    if (this.gone || this.handingOff || this.pending.length > 0 || this.framer.awaitingBody) return;
    if (this.fresh || this.framer.midRequest) {
      if (now - this.since >= this.host.headersTimeoutMs) {
        this.socket.write(REQUEST_TIMEOUT_REPLY);
        this.socket.destroySoon();
        this.release();
      }
    } else if (now - this.since >= this.host.keepAliveTimeoutMs) {
      this.socket.destroy();
    }
  }

  /** Ends the connection now; parked calls see a hang-up. */
  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (!this.framer.midRequest && this.pending.length === 0) this.since = Date.now();
    this.framer.push(chunk);
    this.pump();
  };

  private readonly onClose = (): void => {
    this.release();
    for (const p of this.pending) if (p.out === undefined) p.hangup.fire();
    this.pending.length = 0;
  };

  private readonly onError = (): void => {
    // A reset or write after the peer left; 'close' follows and withdraws what is parked.
  };

  private readonly onDrain = (): void => {
    this.resumeIfRoom();
  };

  private pump(): void {
    while (!this.gone && !this.handingOff && !this.closing) {
      if (this.pending.length >= MAX_PIPELINED || this.socket.writableNeedDrain) {
        this.pause();
        return;
      }
      const frame = this.framer.next();
      switch (frame.kind) {
        case "more":
          return;
        case "handoff":
          this.startHandOff();
          return;
        case "call":
          this.fresh = false;
          this.dispatch(frame.call);
          if (frame.call.close) {
            this.closing = true;
            this.pause();
          }
          break;
        default: {
          const never: never = frame;
          throw new Error(`unknown frame ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private dispatch(call: LeanCall): void {
    const entry: Pending = { out: undefined, close: call.close, hangup: new Hangup() };
    this.pending.push(entry);
    const { method, target } = call.head;
    const req = new LeanRequest(call, entry.hangup);
    const ctx = this.host.ctx;
    // As on node:http: a reply is sent only once what the request wrote is committed.
    serveApi(ctx, call.route, req)
      .then(async (reply) => {
        await ctx.store.committed();
        return reply;
      })
      .then(
        (reply) => this.settle(entry, reply, method, target),
        (err: unknown) => this.settle(entry, errorReply(err, method, target), method, target),
      );
  }

  private settle(entry: Pending, reply: Reply, method: string, target: string): void {
    if (this.gone) return;
    const framing = {
      close: entry.close,
      keepAliveSeconds: Math.floor(this.host.keepAliveTimeoutMs / 1000),
      now: Date.now(),
    };
    try {
      entry.out = encodeReply(reply, framing);
    } catch (err) {
      entry.out = encodeReply(errorReply(err, method, target), framing);
    }
    this.flush();
  }

  /** Writes the answers that are ready, in request order. */
  private flush(): void {
    const pending = this.pending;
    for (;;) {
      const first = pending[0];
      if (first === undefined || first.out === undefined) break;
      pending.shift();
      this.socket.write(first.out);
      if (first.close) {
        this.socket.destroySoon();
        this.release();
        return;
      }
    }
    if (pending.length > 0) return;
    if (this.handingOff) {
      this.completeHandOff();
      return;
    }
    // Idle from now, or (pipelined bytes waiting) the next head's time starts now, not behind a long poll.
    this.since = Date.now();
    this.resumeIfRoom();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resumeIfRoom(): void {
    if (!this.paused || this.gone || this.handingOff || this.closing) return;
    if (this.pending.length >= MAX_PIPELINED || this.socket.writableNeedDrain) return;
    this.paused = false;
    this.socket.resume();
    this.pump();
  }

  private startHandOff(): void {
    this.handingOff = true;
    // Stop reading: what arrives meanwhile stays in the socket's buffer, behind the bytes put back.
    this.socket.pause();
    if (this.pending.length === 0) this.completeHandOff();
  }

  private completeHandOff(): void {
    const socket = this.socket;
    this.release();
    socket.removeListener("data", this.onData);
    socket.removeListener("close", this.onClose);
    socket.removeListener("error", this.onError);
    socket.removeListener("drain", this.onDrain);
    if (socket.readableEnded || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.host.handOff(socket, this.framer.rest());
  }

  private release(): void {
    if (this.gone) return;
    this.gone = true;
    this.host.forget(this);
  }
}
