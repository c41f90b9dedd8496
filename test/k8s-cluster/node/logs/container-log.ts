import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { LineSplitter } from "../kube/ndjson-lines.js";
import { formatLogTime, type LogRecord, parseLogLine, serializeLogRecord } from "./log-query.js";

export interface LogSubscriber {
  line(record: LogRecord): void;
  end(): void;
}

/**
 * One run of one container's output: every line timestamped when read and appended to a file
 * synchronously, so a reader that snapshots the file and subscribes in the same tick never misses
 * or repeats a line. `close` ends every follower's stream.
 */
export class ContainerLog {
  private fd: number | undefined;
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly subscribers = new Set<LogSubscriber>();
  private closedFlag = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "w");
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  append(stream: "stdout" | "stderr", chunk: Buffer, now: Date = new Date()): void {
    if (this.closedFlag) return;
    const time = formatLogTime(now);
    this.write(this.splitters[stream].push(chunk).map((text) => ({ time, stream, text })));
  }

  /** Flushes unterminated last lines and ends followers. Idempotent. */
  close(now: Date = new Date()): void {
    if (this.closedFlag) return;
    const time = formatLogTime(now);
    const tails: LogRecord[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.splitters[stream].rest();
      if (rest) tails.push({ time, stream, text: rest });
    }
    this.write(tails);
    this.closedFlag = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const sub of this.subscribers) sub.end();
    this.subscribers.clear();
  }

  /** The lines so far, and (when still open and asked for) a subscription to the next ones. */
  snapshot(subscriber?: LogSubscriber): { records: LogRecord[]; unsubscribe: () => void } {
    const records = readLogFile(this.path);
    if (subscriber && !this.closedFlag) this.subscribers.add(subscriber);
    return { records, unsubscribe: () => subscriber && this.subscribers.delete(subscriber) };
  }

  private write(records: readonly LogRecord[]): void {
    if (records.length === 0 || this.fd === undefined) return;
    writeSync(this.fd, records.map(serializeLogRecord).join(""));
    for (const record of records) for (const sub of this.subscribers) sub.line(record);
  }
}

export function readLogFile(path: string): LogRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const records: LogRecord[] = [];
  for (const line of text.split("\n")) {
    const record = parseLogLine(line);
    if (record) records.push(record);
  }
  return records;
}
