/**
 * The coordinator's HTTP face over real sockets: the lean path answers exactly as node:http did
 * (byte for byte but the Date), pipelined calls are answered in order, and every request the lean
 * path does not serve — git smart HTTP, artifacts, chunked, Expect, HTTP/1.0, odd heads, oversized
 * bodies — is handed to node:http on the same connection, also right after a lean call.
 */
import { execFile, execFileSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { submittedJob } from "../../src/coordinator/testing/job-fixtures.js";
import { ProtocolClient } from "../../src/coordinator/testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "../../src/coordinator/testing/test-coordinator.js";
import type { JobPayload } from "../../src/protocol/index.js";
import { http1Request } from "../../src/runner/http1-client.js";

interface RawReply {
  readonly status: number;
  /** The head as sent, the Date value blanked. */
  readonly head: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** A raw HTTP/1.1 connection: writes bytes as given, reads replies one after another. */
class RawConnection {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on("error", () => undefined);
  }

  static open(url: string): Promise<RawConnection> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(u.port), u.hostname, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  send(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  private async until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.ended)
        throw new Error(`connection closed; unread: ${JSON.stringify(this.buf.toString("latin1"))}`);
      if (Date.now() > deadline)
        throw new Error(`no reply; have ${JSON.stringify(this.buf.toString("latin1"))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** The next reply (skipping interim 1xx answers unless asked for). */
  async reply(opts: { interim?: boolean; headOnly?: boolean } = {}): Promise<RawReply> {
    for (;;) {
      await this.until(() => this.buf.includes("\r\n\r\n"));
      const end = this.buf.indexOf("\r\n\r\n");
      const head = this.buf.toString("latin1", 0, end);
      this.buf = this.buf.subarray(end + 4);
      const status = Number(head.slice(9, 12));
      const headers = new Map<string, string>();
      for (const line of head.split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const blanked = head.replace(/\r\nDate: [^\r]*/, "\r\nDate: -");
      if (status < 200 && !opts.interim) continue;
      if (status < 200 || opts.headOnly) return { status, head: blanked, headers, body: Buffer.alloc(0) };
      if (headers.get("transfer-encoding") === "chunked") {
        const chunks: Buffer[] = [];
        for (;;) {
          await this.until(() => this.buf.includes("\r\n"));
          const eol = this.buf.indexOf("\r\n");
          const size = Number.parseInt(this.buf.toString("latin1", 0, eol), 16);
          await this.until(() => this.buf.length >= eol + 2 + size + 2);
          chunks.push(this.buf.subarray(eol + 2, eol + 2 + size));
          this.buf = this.buf.subarray(eol + 2 + size + 2);
          if (size === 0) return { status, head: blanked, headers, body: Buffer.concat(chunks) };
        }
      }
      const length = Number(headers.get("content-length") ?? "0");
      await this.until(() => this.buf.length >= length);
      const body = this.buf.subarray(0, length);
      this.buf = this.buf.subarray(length);
      return { status, head: blanked, headers, body };
    }
  }

  async closed(timeoutMs = 5_000): Promise<boolean> {
    await this.until(() => this.ended, timeoutMs).catch(() => undefined);
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function call(method: string, path: string, body = "", headers: Record<string, string> = {}): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: coordinator\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function text(r: RawReply): string {
  return `${r.head}\r\n\r\n${r.body.toString("utf8")}`;
}

let setups: TestSetup[] = [];
afterEach(async () => {
  for (const t of setups) await t.cleanup();
  setups = [];
});

async function coordinator(leanHttp = true, longPollMs = 300): Promise<TestSetup> {
  const t = await startTestCoordinator({ leanHttp, longPollMs });
  setups.push(t);
  return t;
}

/** A job handed out and acknowledged, as a runner would have it. */
async function runningJob(t: TestSetup): Promise<JobPayload> {
  await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
  const client = new ProtocolClient(t.coordinator.url, t.runnerToken);
  const job = await client.nextJob();
  expect((await client.update(job.id, job.token, { state: "running" })).status).toBe(200);
  return job;
}

describe("lean path fidelity", () => {
  /** One conversation on one connection; the replies, Date blanked, with tokens spelled out. */
  async function conversation(leanHttp: boolean): Promise<string[]> {
    const t = await coordinator(leanHttp);
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    const token = job.token;
    const steps = [
      call("POST", "/api/v4/jobs/request", JSON.stringify({ token: "glrt-wrong" })),
      call("POST", "/api/v4/jobs/request", JSON.stringify({ token: t.runnerToken })),
      call("POST", "/api/v4/jobs/request", "{not json", { "Content-Type": "application/json" }),
      call("POST", "/api/v4/jobs/request", "[1]"),
      call("POST", "/api/v4/runners/verify", JSON.stringify({ token: "glrt-nope" })),
      call("DELETE", "/api/v4/runners/managers", JSON.stringify({ token: t.runnerToken, system_id: "s" })),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token, state: "running" })),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token, state: "bogus" })),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ state: "running" }), { "JOB-TOKEN": token }),
      call("PUT", `/api/v4/jobs/${job.id + 1}`, JSON.stringify({ token, state: "running" })),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "hello ", { "JOB-TOKEN": token, "Content-Range": "0-5" }),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "llo", { "JOB-TOKEN": token, "Content-Range": "2-4" }),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "x", { "JOB-TOKEN": token, "Content-Range": "bytes" }),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "x", {
        "JOB-TOKEN": "glcbt-nope",
        "Content-Range": "6-6",
      }),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "world", { "JOB-TOKEN": token, "Content-Range": "6-10" }),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token, state: "success", exit_code: 0 })),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token, state: "success" })),
      call("PATCH", `/api/v4/jobs/${job.id}/trace`, "late", { "JOB-TOKEN": token, "Content-Range": "11-14" }),
      call("GET", "/api/v4/nothing"),
      call("PUT", `/api/v4/jobs/${job.id}`, "x".repeat(1024 * 1024 + 1)),
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token, state: "running" }), {
        Connection: "close",
      }),
    ];
    const out: string[] = [];
    for (const step of steps) {
      c.send(step);
      out.push(
        text(await c.reply())
          .replaceAll(token, "<job token>")
          .replaceAll(t.runnerToken, "<runner token>"),
      );
    }
    out.push(`closed: ${await c.closed()}`);
    expect(await t.coordinator.readTrace(job.id)).toBe("hello world");
    return out;
  }

  it("answers a whole conversation exactly as node:http does", async () => {
    const lean = await conversation(true);
    const node = await conversation(false);
    expect(lean).toEqual(node);
    expect(lean[1]).toMatch(/^HTTP\/1\.1 204 No Content\r\nX-GitLab-Last-Update: /);
    expect(lean[10]).toMatch(
      /202 Accepted\r\nRange: 0-6\r\nJob-Status: running\r\nX-GitLab-Trace-Update-Interval: 3\r\n/,
    );
    expect(lean[11]).toMatch(/^HTTP\/1\.1 416 /);
    expect(lean[19]).toMatch(/^HTTP\/1\.1 413 /);
    expect(lean[20]).toMatch(/\r\nConnection: close\r\n/);
    expect(lean.at(-1)).toBe("closed: true");
  });
});

describe("lean path connections", () => {
  it("answers pipelined calls in order, a parked long poll holding back the answers behind it", async () => {
    const t = await coordinator(true, 400);
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    const poll = call("POST", "/api/v4/jobs/request", JSON.stringify({ token: t.runnerToken }));
    const put = call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token: job.token, state: "running" }));
    const trace = call("PATCH", `/api/v4/jobs/${job.id}/trace`, "ab", {
      "JOB-TOKEN": job.token,
      "Content-Range": "0-1",
    });
    const started = Date.now();
    c.send(poll + put + trace);
    const replies = [await c.reply(), await c.reply(), await c.reply()];
    expect(replies.map((r) => r.status)).toEqual([204, 200, 202]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(replies[2]?.headers.get("range")).toBe("0-2");
    c.destroy();
  });

  it("serves a call split byte by byte", async () => {
    const t = await coordinator();
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    const raw = Buffer.from(
      call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token: job.token, state: "running" })),
    );
    for (const byte of raw) {
      c.send(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await c.reply()).headers.get("job-status")).toBe("running");
    c.destroy();
  });

  it("withdraws a parked long poll when its client hangs up, so the next job goes to a live poll", async () => {
    const t = await coordinator(true, 20_000);
    const parked = await RawConnection.open(t.coordinator.url);
    parked.send(call("POST", "/api/v4/jobs/request", JSON.stringify({ token: t.runnerToken })));
    await new Promise((resolve) => setTimeout(resolve, 200));
    parked.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const started = Date.now();
    const res = await http1Request({
      method: "POST",
      url: new URL("api/v4/jobs/request", t.coordinator.url),
      headers: { "Content-Type": "application/json" },
      body: Buffer.from(JSON.stringify({ token: t.runnerToken })),
    });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("closes every connection on stop, parked, idle and handed off", async () => {
    const t = await coordinator(true, 20_000);
    const parked = await RawConnection.open(t.coordinator.url);
    parked.send(call("POST", "/api/v4/jobs/request", JSON.stringify({ token: t.runnerToken })));
    const idle = await RawConnection.open(t.coordinator.url);
    idle.send(call("POST", "/api/v4/runners/verify", JSON.stringify({ token: t.runnerToken })));
    expect((await idle.reply()).status).toBe(200);
    const handed = await RawConnection.open(t.coordinator.url);
    handed.send(call("GET", "/api/v4/nothing"));
    expect((await handed.reply()).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.coordinator.stop();
    expect([await parked.closed(), await idle.closed(), await handed.closed()]).toEqual([true, true, true]);
  });
});

describe("hand-off to node:http", () => {
  it.each([
    ["in the same write", true],
    ["after the lean answer", false],
  ])("serves a handed-off request on the connection of a lean call (%s)", async (_name, together) => {
    const t = await coordinator();
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    const lean = call(
      "PUT",
      `/api/v4/jobs/${job.id}`,
      JSON.stringify({ token: job.token, state: "running" }),
    );
    const chunked =
      `PATCH /api/v4/jobs/${job.id}/trace HTTP/1.1\r\nHost: c\r\nJOB-TOKEN: ${job.token}\r\n` +
      "Content-Range: 0-4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n";
    const after = call(
      "PUT",
      `/api/v4/jobs/${job.id}`,
      JSON.stringify({ token: job.token, state: "running" }),
    );
    if (together) c.send(lean + chunked + after);
    else {
      c.send(lean);
      expect((await c.reply()).status).toBe(200);
      c.send(chunked + after);
    }
    if (together) expect((await c.reply()).status).toBe(200);
    const patched = await c.reply();
    expect([patched.status, patched.headers.get("range")]).toEqual([202, "0-5"]);
    expect((await c.reply()).headers.get("job-status")).toBe("running");
    expect(await t.coordinator.readTrace(job.id)).toBe("hello");
    c.destroy();
  });

  it("uploads and downloads artifacts on the runner's pooled connection between lean calls", async () => {
    const t = await coordinator();
    const job = await runningJob(t);
    const base = t.coordinator.url;
    const put = () =>
      http1Request({
        method: "PUT",
        url: new URL(`api/v4/jobs/${job.id}`, base),
        headers: { "Content-Type": "application/json" },
        body: Buffer.from(JSON.stringify({ token: job.token, state: "running" })),
      });
    expect((await put()).status).toBe(200);
    const zip = Buffer.from(zipSync({ "out.txt": Buffer.from("artifact\n") }));
    const boundary = "----runfleet-test";
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\n` +
          "Content-Type: application/zip\r\n\r\n",
      ),
      zip,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await http1Request({
      method: "POST",
      url: new URL(`api/v4/jobs/${job.id}/artifacts?artifact_format=zip&artifact_type=archive`, base),
      headers: { "JOB-TOKEN": job.token, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body: multipart,
    });
    expect(up.status).toBe(201);
    expect((await put()).status).toBe(200);
    const down = await http1Request({
      method: "GET",
      url: new URL(`api/v4/jobs/${job.id}/artifacts`, base),
      headers: { "JOB-TOKEN": job.token },
    });
    expect([down.status, down.body.equals(zip)]).toEqual([200, true]);
    expect((await put()).status).toBe(200);
  });

  it("clones the repository through the coordinator with the real git client", async () => {
    const t = await coordinator();
    const job = await runningJob(t);
    const work = join(t.dir, "clone");
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        "git",
        ["clone", "-q", job.git_info.repo_url, work],
        { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } },
        (err, _stdout, stderr) => resolve({ code: err === null ? 0 : 1, stderr }),
      );
    });
    expect(result).toEqual({ code: 0, stderr: "" });
    expect(execFileSync("git", ["-C", work, "rev-parse", "HEAD"]).toString().trim()).toBe(t.sha);
  });

  it.each([
    [
      "Expect: 100-continue",
      (id: number, token: string) =>
        call("PUT", `/api/v4/jobs/${id}`, JSON.stringify({ token, state: "running" }), {
          Expect: "100-continue",
        }),
      200,
    ],
    [
      "HTTP/1.0",
      (id: number, token: string) =>
        call("PUT", `/api/v4/jobs/${id}`, JSON.stringify({ token, state: "running" })).replace(
          "HTTP/1.1",
          "HTTP/1.0",
        ),
      200,
    ],
    [
      "a query string",
      (id: number, token: string) =>
        call("PUT", `/api/v4/jobs/${id}?job_token=${token}`, JSON.stringify({ state: "running" })),
      200,
    ],
    [
      "a JSON body over the limit",
      (id: number) => call("PUT", `/api/v4/jobs/${id}`, " ".repeat(1024 * 1024 + 10)),
      413,
    ],
  ])("%s after a lean call", async (_name, build, status) => {
    const t = await coordinator();
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    c.send(call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token: job.token, state: "running" })));
    expect((await c.reply()).status).toBe(200);
    c.send(build(job.id, job.token));
    expect((await c.reply()).status).toBe(status);
    c.destroy();
  });

  it.each([
    ["a malformed request line", "GARBAGE / SOMETHING\r\n\r\n", 400],
    ["binary junk", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400],
    [
      "a duplicate Content-Length",
      "PUT /api/v4/jobs/1 HTTP/1.1\r\nHost: c\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
      400,
    ],
    [
      "a head over 16 KiB",
      `PUT /api/v4/jobs/1 HTTP/1.1\r\nHost: c\r\nX-Big: ${"b".repeat(17 * 1024)}\r\n\r\n`,
      431,
    ],
  ])("%s after a lean call: node:http's %i, then the connection closes", async (_name, raw, status) => {
    const t = await coordinator();
    const c = await RawConnection.open(t.coordinator.url);
    c.send(call("POST", "/api/v4/runners/verify", JSON.stringify({ token: t.runnerToken })));
    expect((await c.reply()).status).toBe(200);
    c.send(raw);
    const r = await c.reply();
    expect([r.status, r.headers.get("connection")]).toEqual([status, "close"]);
    expect(await c.closed()).toBe(true);
  });
});
