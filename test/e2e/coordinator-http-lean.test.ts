/**
 * The coordinator's lean HTTP path over real sockets: it answers exactly as node:http did (byte for
 * byte but the Date), answers pipelined calls in order, withdraws a parked long poll whose client
 * hangs up, and closes every connection on stop.
 */
import { describe, expect, it } from "vitest";
import { call, RawConnection, text } from "../../src/coordinator/http/raw-connection.test-support.js";
import { submittedJob } from "../../src/coordinator/testing/job-fixtures.js";
import { http1Request } from "../../src/runner/http1-client.js";
import { coordinatorsPerTest, runningJob } from "./support/coordinator-setups.js";

const coordinator = coordinatorsPerTest();

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
