import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitLabApiClient } from "./api-client.js";
import { JobTrace, parseIntervalMs, parseRangeEnd, type RemoteJobSignal } from "./job-trace.js";
import { TraceBuffer } from "./trace-buffer.js";
import { TraceMasker } from "./trace-masker.js";

type Action = "ok" | "500" | "drop" | "apply-then-drop" | "403" | "canceling";

/** A recording stand-in for the coordinator's trace endpoint, with injectable faults. */
class TraceServer {
  stored = Buffer.alloc(0);
  actions: Action[] = [];
  updates: Record<string, unknown>[] = [];
  updateStatuses: number[] = [];
  patches = 0;
  private server: Server = createServer((req, res) => this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.method === "PUT") {
        this.updates.push(JSON.parse(body.toString()) as Record<string, unknown>);
        res.writeHead(this.updateStatuses.shift() ?? 200, { "X-GitLab-Trace-Update-Interval": "0.01" }).end();
        return;
      }
      this.patches++;
      const action = this.actions.shift() ?? "ok";
      if (action === "drop") return void req.socket.destroy();
      if (action === "500") return void res.writeHead(500).end();
      if (action === "403") return void res.writeHead(403, { "Job-Status": "canceled" }).end();
      const start = Number((req.headers["content-range"] ?? "").split("-")[0]);
      if (start !== this.stored.length) {
        return void res.writeHead(416, { Range: `0-${this.stored.length}` }).end();
      }
      this.stored = Buffer.concat([this.stored, body]);
      if (action === "apply-then-drop") return void req.socket.destroy();
      res
        .writeHead(202, {
          Range: `0-${this.stored.length}`,
          "Job-Status": action === "canceling" ? "canceling" : "running",
          "X-GitLab-Trace-Update-Interval": "0.05",
        })
        .end();
    });
  }
}

let server: TraceServer;
let url: string;
beforeEach(async () => {
  server = new TraceServer();
  url = await server.listen();
});
afterEach(() => server.close());

function setup(signals: RemoteJobSignal[] = []) {
  const buffer = new TraceBuffer(new TraceMasker(["hunter2"], []), 4 * 1024 * 1024);
  const trace = new JobTrace({
    client: new GitLabApiClient(url),
    jobId: 1,
    jobToken: "job-token",
    buffer,
    onRemoteSignal: (s) => signals.push(s),
    initialIntervalMs: 20,
  });
  return { buffer, trace };
}

describe("parsers", () => {
  it.each([
    ["0-42", 42],
    ["bytes 0-7", 7],
    ["nonsense", undefined],
  ])("Range %j → %j", (h, n) => expect(parseRangeEnd(h)).toBe(n));
  it.each([
    ["3", 3000],
    ["0.5", 500],
    ["0", undefined],
    ["999999", 900_000],
    ["x", undefined],
  ])("interval %j → %j", (h, n) => expect(parseIntervalMs(h)).toBe(n));
});

describe("JobTrace", () => {
  it("sends incrementally and loses or doubles no byte through 5xx, dropped connections and lost replies", async () => {
    const { buffer, trace } = setup();
    server.actions = ["500", "apply-then-drop", "drop", "ok", "apply-then-drop", "500", "ok"];
    let expected = "";
    for (let i = 0; i < 40; i++) {
      const line = `line ${i} hunter2\n`;
      expected += line.replace("hunter2", "[MASKED]");
      buffer.write(line);
      if (i % 8 === 0) await trace.flush();
    }
    await trace.finalUpdate({ state: "success" });
    expect(server.stored.toString()).toBe(expected);
    expect(server.updates.at(-1)).toMatchObject({ state: "success", output: { bytesize: expected.length } });
  });

  it("sends on its own schedule while the job runs", async () => {
    const { buffer, trace } = setup();
    trace.start();
    buffer.write("early output\n");
    await new Promise((r) => setTimeout(r, 300));
    expect(server.stored.toString()).toBe("early output\n");
    trace.stop();
  });

  it.each<[Action, RemoteJobSignal]>([
    ["canceling", "cancel_gracefully"],
    ["403", "abort"],
  ])("reports %s from the coordinator as %s", async (action, signal) => {
    const signals: RemoteJobSignal[] = [];
    const { buffer, trace } = setup(signals);
    server.actions = [action];
    buffer.write("x");
    await trace.flush();
    expect(signals).toEqual([signal]);
  });

  it("repeats the final update while the coordinator answers 202, retries 5xx", async () => {
    const { buffer, trace } = setup();
    server.updateStatuses = [202, 202, 500, 200];
    buffer.write("done\n");
    await trace.finalUpdate({ state: "failed", failure_reason: "script_failure", exit_code: 3 });
    expect(server.updates).toHaveLength(4);
    expect(server.updates[3]).toMatchObject({
      state: "failed",
      failure_reason: "script_failure",
      exit_code: 3,
    });
  });

  it("sends a keep-alive PUT when no patch went out for a while", async () => {
    const buffer = new TraceBuffer(new TraceMasker([], []), 1024);
    const trace = new JobTrace({
      client: new GitLabApiClient(url),
      jobId: 1,
      jobToken: "t",
      buffer,
      onRemoteSignal: () => undefined,
      initialIntervalMs: 20,
      keepAliveMs: 50,
    });
    trace.start();
    await new Promise((r) => setTimeout(r, 300));
    trace.stop();
    expect(server.updates.length).toBeGreaterThan(0);
    expect(server.updates[0]).toMatchObject({ state: "running", output: { bytesize: 0 } });
  });
});
