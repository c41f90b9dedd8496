import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobDispatcher } from "../dispatch/job-dispatcher.js";
import { PipelineEngine } from "../engine/pipeline-engine.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { newRunner } from "../testing/job-fixtures.js";
import { hashToken, newToken } from "../tokens.js";
import type { ApiContext } from "./api-context.js";
import { createApiServer } from "./api-server.js";
import { LeanHttpServer } from "./lean-server.js";
import { RunnerCache } from "./runner-cache.js";

/** The lean server over a real store and dispatcher, with timeouts short enough to watch. */
let dir = "";
let store: SqliteStore;
let server: LeanHttpServer;
let port = 0;
let runnerToken = "";

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "runfleet-lean-"));
  store = SqliteStore.open(join(dir, "c.db"));
  const engine = new PipelineEngine(store, Date.now);
  await engine.load();
  runnerToken = newToken("runner");
  await store.createRunner(newRunner({ tokenHash: hashToken(runnerToken), createdAt: Date.now() }));
  const ctx: ApiContext = {
    store,
    engine,
    dispatcher: new JobDispatcher(engine),
    runners: new RunnerCache(store, Date.now),
    dataDir: dir,
    clock: Date.now,
    limits: { longPollMs: 900, maxJsonBytes: 1024, maxArtifactBytes: 1024, traceUpdateIntervalSeconds: 3 },
    serverUrl: () => new URL(`http://127.0.0.1:${port}/`),
    project: (id) => store.getProject(id),
    refExists: () => Promise.resolve(false),
  };
  const http = createApiServer(ctx);
  // createServer's `connectionsCheckingInterval` (30 s by default), read when node:http starts tracking
  // connections; @types/node does not declare the property.
  Object.assign(http, { connectionsCheckingInterval: 25 });
  server = new LeanHttpServer(ctx, http, {
    headersTimeoutMs: 300,
    keepAliveTimeoutMs: 300,
    sweepIntervalMs: 25,
  });
  port = (await server.listen(0, "127.0.0.1")).port;
});

afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Connects, writes `raw`, and collects everything until the server closes (or `limitMs`). */
function exchange(
  raw: string,
  limitMs = 3_000,
): Promise<{ text: string; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let text = "";
    const socket: Socket = connect(port, "127.0.0.1", () => {
      if (raw !== "") socket.write(raw);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: undefined });
    }, limitMs);
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

const VERIFY = (token: string) => {
  const body = JSON.stringify({ token });
  return `POST /api/v4/runners/verify HTTP/1.1\r\nHost: c\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
};

describe("LeanHttpServer timeouts", () => {
  it.each([
    ["nothing sent", ""],
    ["a head that stalls", "POST /api/v4/jobs/request HTTP/1.1\r\nHost: c\r\n"],
  ])("%s: 408 and closed after the head timeout, as node:http does", async (_name, raw) => {
    const r = await exchange(raw);
    expect(r.text).toBe("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(280);
  });

  it("gives a handed-off connection node:http's own head timeout", async () => {
    const r = await exchange(
      "GET /api/v4/nothing HTTP/1.1\r\nHost: c\r\n\r\nPUT /api/v4/jobs/1 HTTP/1.1\r\n",
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(280);
    expect(r.closedAfterMs).toBeLessThan(2_000);
  });

  it("closes a kept-alive connection that stays idle past the keep-alive timeout, silently", async () => {
    const r = await exchange(VERIFY(runnerToken));
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Keep-Alive: timeout=0\r\n\r\n\{"id":1,/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(280);
    expect(r.text).not.toMatch(/408/);
  });

  it("holds a parked long poll past both timeouts", async () => {
    const body = JSON.stringify({ token: runnerToken });
    const r = await exchange(
      `POST /api/v4/jobs/request HTTP/1.1\r\nHost: c\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(900 + 280);
  });

  it("times a head pipelined behind a long poll from the poll's answer, not from its first byte", async () => {
    const body = JSON.stringify({ token: runnerToken });
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
    });
    const verify = VERIFY(runnerToken);
    socket.write(
      `POST /api/v4/jobs/request HTTP/1.1\r\nHost: c\r\nContent-Length: ${body.length}\r\n\r\n${body}${verify.slice(0, 10)}`,
    );
    while (!text.includes("204 No Content")) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(verify.slice(10));
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 204 No Content\r\n[\s\S]*HTTP\/1\.1 200 OK\r\n/);
  });

  it("keeps waiting for a slow body (no request timeout) while its head is complete", async () => {
    const body = JSON.stringify({ token: runnerToken });
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
    });
    socket.write(`POST /api/v4/runners/verify HTTP/1.1\r\nHost: c\r\nContent-Length: ${body.length}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    socket.write(body);
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it("closes lean connections on close()", async () => {
    const pending = exchange("POST /api/v4/jobs/request HTTP/1.1\r\n", 5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    const r = await pending;
    expect(r.closedAfterMs).toBeLessThan(280);
  });
});
