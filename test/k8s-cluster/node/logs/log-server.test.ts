import { mkdtempSync, rmSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleKubeletRequest } from "./log-server.js";
import { LogStore } from "./log-store.js";

let dir: string;
let server: Server;
let store: LogStore;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runfleet-logsrv-"));
  store = new LogStore(dir);
  server = createServer((req, res) => handleKubeletRequest(store, req, res));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

/** Reads a response to its end, calling `onChunk` with each chunk as it arrives. */
function read(
  path: string,
  onChunk: (text: string) => void = () => {},
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    get(`${base}${path}`, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        onChunk(chunk);
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    }).on("error", fail);
  });
}

describe("containerLogs", () => {
  it.each([
    { query: "", body: "a\nb\nc\n" },
    { query: "?tailLines=1", body: "c\n" },
    { query: "?limitBytes=3", body: "a\nb" },
    { query: "?timestamps=true&tailLines=1", body: "2026-01-01T00:00:02.000000000Z c\n" },
    { query: "?sinceTime=2026-01-01T00:00:01Z", body: "b\nc\n" },
  ])("serves a finished log with $query", async ({ query, body }) => {
    const log = store.open({ namespace: "ns", pod: "done", uid: "u" }, "main", 0);
    for (const [i, text] of ["a", "b", "c"].entries()) {
      log.append("stdout", Buffer.from(`${text}\n`), new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    log.close();
    expect(await read(`/containerLogs/ns/done/main${query}`)).toEqual({ status: 200, body });
  });

  it("a follower sees every line, flushed as written, and the stream ends when the container ends", async () => {
    const log = store.open({ namespace: "ns", pod: "live", uid: "u" }, "main", 0);
    log.append("stdout", Buffer.from("before\n"));
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    let writing = false;
    const response = read("/containerLogs/ns/live/main?follow=true", (chunk) => {
      if (writing || !chunk.includes("before")) return;
      writing = true;
      // Lines written only after the follower has the first one prove it is streamed, not buffered.
      let i = 0;
      const timer = setInterval(() => {
        if (i < lines.length) log.append("stdout", Buffer.from(`${lines[i++]}\n`));
        else {
          clearInterval(timer);
          log.append("stdout", Buffer.from("no newline"));
          log.close();
        }
      }, 1);
    });
    const { status, body } = await response;
    expect(status).toBe(200);
    expect(body).toBe(`${["before", ...lines, "no newline"].join("\n")}\n`);
  });

  it.each([
    { path: "/containerLogs/ns/nope/main", status: 400, text: "waiting to start" },
    { path: "/containerLogs/ns/done/main?tailLines=-2", status: 400, text: "tailLines" },
    { path: "/exec/ns/done/main?command=sh", status: 501, text: "exec" },
    { path: "/pods", status: 404, text: "not found" },
  ])("$path answers $status", async ({ path, status, text }) => {
    const res = await read(path);
    expect(res.status).toBe(status);
    expect(res.body).toContain(text);
  });
});
