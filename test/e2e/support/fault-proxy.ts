import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "pass" | "status_502" | "drop_before" | "drop_after";

/**
 * An HTTP proxy in front of a real coordinator that injects faults into chosen requests: a 502 without
 * forwarding, a connection dropped before forwarding, or one dropped after the coordinator has handled
 * the request (its answer lost) — the case where a retry must not double anything.
 */
export class FaultProxy {
  readonly faults: { method: string; path: string; fault: Fault }[] = [];
  private server: Server | null = null;
  private count = 0;

  constructor(
    private readonly target: URL,
    private readonly choose: (method: string, path: string, n: number) => Fault,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const path = req.url ?? "/";
      const method = req.method ?? "GET";
      const fault = this.choose(method, path, this.count++);
      if (fault !== "pass") this.faults.push({ method, path, fault });
      if (fault === "status_502") {
        req.resume();
        res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway");
        return;
      }
      if (fault === "drop_before") {
        req.socket.destroy();
        return;
      }
      const upstream = request(
        { host: this.target.hostname, port: this.target.port, method, path, headers: req.headers },
        (up) => {
          if (fault === "drop_after") {
            up.resume();
            up.on("end", () => req.socket.destroy());
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => req.socket.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
