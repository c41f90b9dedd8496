import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ContainerLog, readLogFile } from "./container-log.js";
import type { LogRecord } from "./log-query.js";
import { LogStore } from "./log-store.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-log-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("ContainerLog", () => {
  it("splits chunks into timestamped lines per stream and flushes the partial tail on close", () => {
    const log = new ContainerLog(join(tempDir(), "c", "0.log"));
    const at = new Date("2026-01-01T00:00:00Z");
    log.append("stdout", Buffer.from("a\nb"), at);
    log.append("stderr", Buffer.from("err\n"), at);
    log.append("stdout", Buffer.from("c\n"), at);
    log.close(at);
    expect(readLogFile(log.path).map((r) => `${r.stream}:${r.text}`)).toEqual([
      "stdout:a",
      "stderr:err",
      "stdout:bc",
    ]);
  });

  it("a subscriber sees every line after its snapshot exactly once, then the end", () => {
    const log = new ContainerLog(join(tempDir(), "c", "0.log"));
    log.append("stdout", Buffer.from("1\n2\n"));
    const seen: LogRecord[] = [];
    let ended = false;
    const { records } = log.snapshot({
      line: (r) => seen.push(r),
      end: () => {
        ended = true;
      },
    });
    log.append("stdout", Buffer.from("3\n4"));
    expect(ended).toBe(false);
    log.close();
    expect([...records, ...seen].map((r) => r.text)).toEqual(["1", "2", "3", "4"]);
    expect(ended).toBe(true);
  });
});

describe("LogStore", () => {
  it("finds live, previous and on-disk logs", () => {
    const dir = tempDir();
    const store = new LogStore(dir);
    const key = { namespace: "ns", pod: "p", uid: "u1" };
    const first = store.open(key, "build", 0);
    first.append("stdout", Buffer.from("first\n"));
    first.close();
    const second = store.open(key, "build", 1);
    expect(store.find("ns", "p", "build", false)).toEqual({ kind: "live", log: second });
    expect(store.find("ns", "p", "build", true)).toEqual({ kind: "file", path: first.path });
    expect(store.find("ns", "p", "helper", false)).toEqual({ kind: "missing" });
    store.release(key);
    const later = new LogStore(dir);
    expect(later.find("ns", "p", "build", false)).toEqual({ kind: "file", path: second.path });
  });
});
