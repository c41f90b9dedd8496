import { renameSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { plainLog } from "./plain-log.js";

/**
 * Every job's full log as plain text under `.runfleet/logs/<pipeline>/`, one file per job named after
 * it. A retried job keeps each attempt: the newest is `<job>.log`, earlier ones `<job>.attempt-N.log`
 * (renamed when the next attempt's log arrives, so no need to know in advance whether a retry follows).
 */
export class JobLogs {
  readonly dir: string;
  private readonly fileNames = new Map<string, string>();
  private readonly taken = new Set<string>();
  private readonly attempts = new Map<string, number>();

  constructor(stateDir: string, pipelineId: number) {
    this.dir = join(stateDir, "logs", String(pipelineId));
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /**
   * Writes the newest attempt's log and returns its path. Synchronously: a log is written once, whole,
   * and three thread-pool round trips (open, write, close) per job cost more than the write itself.
   */
  async write(jobName: string, trace: string): Promise<string> {
    const attempt = (this.attempts.get(jobName) ?? 0) + 1;
    this.attempts.set(jobName, attempt);
    const base = this.fileBase(jobName);
    const path = join(this.dir, `${base}.log`);
    if (attempt > 1) renameSync(path, join(this.dir, `${base}.attempt-${attempt - 1}.log`));
    writeFileSync(path, plainLog(trace));
    return path;
  }

  /** The path the final attempt's log has (or will have). */
  pathOf(jobName: string): string {
    return join(this.dir, `${this.fileBase(jobName)}.log`);
  }

  private fileBase(jobName: string): string {
    const known = this.fileNames.get(jobName);
    if (known !== undefined) return known;
    const safe = safeFileName(jobName);
    let name = safe;
    for (let n = 2; this.taken.has(name); n++) name = `${safe}-${n}`;
    this.taken.add(name);
    this.fileNames.set(jobName, name);
    return name;
  }
}

/** `test 3/200` → `test-3-of-200`, `deploy: [aws, eu]` → `deploy-aws-eu`: safe on every filesystem. */
export function safeFileName(jobName: string): string {
  const name = jobName
    .replace(/ (\d+)\/(\d+)$/, "-$1-of-$2")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "")
    .slice(0, 120);
  return name === "" ? "job" : name;
}
