/**
 * Requests the lean path does not serve — git smart HTTP, artifacts, chunked, Expect, HTTP/1.0, a
 * query, odd heads, oversized bodies — are handed to node:http on the same connection, also right
 * after (or in the same write as) a lean call, and answered as node:http always has.
 */
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { call, RawConnection } from "../../src/coordinator/http/raw-connection.test-support.js";
import { http1Request } from "../../src/runner/http1-client.js";
import { coordinatorsPerTest, runningJob } from "./support/coordinator-setups.js";

const coordinator = coordinatorsPerTest();

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

  it("feeds node:http the bytes that arrive after the hand-off, then the next request", async () => {
    const t = await coordinator();
    const job = await runningJob(t);
    const c = await RawConnection.open(t.coordinator.url);
    c.send(call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token: job.token, state: "running" })));
    expect((await c.reply()).status).toBe(200);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
    c.send(`PATCH /api/v4/jobs/${job.id}/trace HTTP/1.1\r\nHost: c\r\nJOB-TOKEN: ${job.token}\r\n`);
    await pause();
    c.send("Content-Range: 0-5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    await pause();
    c.send("3\r\ndef\r\n");
    await pause();
    c.send("0\r\n\r\n");
    const patched = await c.reply();
    expect([patched.status, patched.headers.get("range")]).toEqual([202, "0-6"]);
    c.send(call("PUT", `/api/v4/jobs/${job.id}`, JSON.stringify({ token: job.token, state: "running" })));
    expect((await c.reply()).headers.get("job-status")).toBe("running");
    expect(await t.coordinator.readTrace(job.id)).toBe("abcdef");
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
    const upload = (token: string) =>
      http1Request({
        method: "POST",
        url: new URL(`api/v4/jobs/${job.id}/artifacts?artifact_format=zip&artifact_type=archive`, base),
        headers: { "JOB-TOKEN": token, "Content-Type": `multipart/form-data; boundary=${boundary}` },
        body: multipart,
      });
    const refused = await upload("glcbt-wrong");
    // A refusal keeps the connection (the body may still be on its way); a finished transfer closes it,
    // so the runner's next small call opens a connection the lean path serves.
    expect([refused.status, refused.headers.get("connection")]).toEqual([403, "keep-alive"]);
    const up = await upload(job.token);
    expect([up.status, up.headers.get("connection")]).toEqual([201, "close"]);
    expect((await put()).status).toBe(200);
    const down = await http1Request({
      method: "GET",
      url: new URL(`api/v4/jobs/${job.id}/artifacts`, base),
      headers: { "JOB-TOKEN": job.token },
    });
    expect([down.status, down.headers.get("connection"), down.body.equals(zip)]).toEqual([
      200,
      "close",
      true,
    ]);
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
