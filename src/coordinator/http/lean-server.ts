/**
 * The coordinator's listening socket. A runner's per-job calls (jobs/request, PUT jobs/:id, trace
 * patches, runner registration) are served on the lean path (lean-connection.ts); every other
 * connection — git smart HTTP, artifacts, chunked bodies, HTTP/1.0, odd heads — is handed to the
 * node:http server at a request boundary and stays there. node:http's machinery (IncomingMessage,
 * ServerResponse, their streams) cost more CPU per small call than the calls' own work: a refused
 * PUT /jobs/:id took ~83 µs of coordinator CPU through node:http and ~32 µs here.
 */
import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import type { ApiContext } from "./api-context.js";
import { apiRouteFor, bodyLimitOf } from "./api-routes.js";
import { isPlainApiPath } from "./api-server.js";
import { LeanConnection, type LeanHost } from "./lean-connection.js";
import type { Classify } from "./request-framer.js";

export interface LeanServerOptions {
  /** false: every connection goes straight to node:http (the lean path off). */
  readonly lean?: boolean;
  /** node:http's `keepAliveTimeout`; default 65 s. */
  readonly keepAliveTimeoutMs?: number;
  /** node:http's `headersTimeout`; default 60 s. */
  readonly headersTimeoutMs?: number;
  /** How often idle and slow connections are checked; default 1 s. */
  readonly sweepIntervalMs?: number;
}

export class LeanHttpServer {
  private readonly net: Server;
  private readonly lean = new Set<LeanConnection>();
  /** Connections node:http serves; closed with the server. */
  private readonly handedOff = new Set<Socket>();
  private readonly host: LeanHost;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    ctx: ApiContext,
    private readonly http: HttpServer,
    private readonly options: LeanServerOptions = {},
  ) {
    const classify: Classify = (head) => {
      if (!isPlainApiPath(head.target)) return undefined;
      const route = apiRouteFor(head.method, head.target);
      return route === undefined ? undefined : { route, limit: bodyLimitOf(ctx, route) };
    };
    this.host = {
      ctx,
      classify,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 65_000,
      headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
      handOff: (socket, rest) => this.handOff(socket, rest),
      forget: (conn) => this.lean.delete(conn),
    };
    http.keepAliveTimeout = this.host.keepAliveTimeoutMs;
    http.headersTimeout = this.host.headersTimeoutMs;
    this.net = createServer({ noDelay: true }, (socket) => {
      if (options.lean === false) {
        this.handOff(socket, Buffer.alloc(0));
        return;
      }
      this.lean.add(new LeanConnection(socket, this.host));
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.net.once("error", reject);
      this.net.listen(port, host, () => {
        this.net.removeListener("error", reject);
        // node:http starts tracking connections (its headersTimeout checks, closeAllConnections) when
        // it hears it is listening; here the net server listens for it.
        this.http.emit("listening");
        const interval = this.options.sweepIntervalMs ?? 1000;
        this.sweeper = setInterval(() => this.sweep(), interval);
        this.sweeper.unref();
        resolve(this.net.address() as AddressInfo);
      });
    });
  }

  /** Stops listening and closes every connection, lean or handed off. */
  close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => {
      if (!this.net.listening) resolve();
      else this.net.close(() => resolve());
    });
    for (const conn of [...this.lean]) conn.destroy();
    for (const socket of [...this.handedOff]) socket.destroy();
    this.http.closeAllConnections();
    // Clears node:http's connection-checking interval; it never listened itself, so nothing else happens.
    this.http.close();
    return closed;
  }

  private sweep(): void {
    const now = Date.now();
    for (const conn of this.lean) conn.sweep(now);
  }

  private handOff(socket: Socket, rest: Buffer): void {
    this.handedOff.add(socket);
    socket.once("close", () => this.handedOff.delete(socket));
    if (rest.length > 0) socket.unshift(rest);
    this.http.emit("connection", socket);
    // node:http takes the socket's handle over natively when it can and reads the bytes already
    // buffered (those put back) through 'data' first, once the socket flows again.
    socket.resume();
  }
}
