import { RunfleetError } from "../../../../src/errors/index.js";

/** The query of a kubelet `containerLogs` request, validated. */
export interface LogQuery {
  readonly follow: boolean;
  readonly timestamps: boolean;
  readonly previous: boolean;
  readonly sinceTime: Date | undefined;
  readonly tailLines: number | undefined;
  readonly limitBytes: number | undefined;
}

/** One stored log line: when it was read, from which stream, and its text without the newline. */
export interface LogRecord {
  readonly time: string;
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

const truthy = (value: string | null) => value === "true" || value === "1";

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RunfleetError("BAD_REQUEST", `${name}=${raw} must be a non-negative integer`);
  }
  return value;
}

export function parseLogQuery(params: URLSearchParams, now: Date): LogQuery {
  let sinceTime: Date | undefined;
  const since = params.get("sinceTime");
  if (since) {
    sinceTime = new Date(since);
    if (Number.isNaN(sinceTime.getTime())) {
      throw new RunfleetError("BAD_REQUEST", `sinceTime=${since} is not an RFC 3339 time`);
    }
  }
  const sinceSeconds = nonNegativeInt(params, "sinceSeconds");
  if (sinceSeconds !== undefined) {
    if (sinceTime) throw new RunfleetError("BAD_REQUEST", "at most one of sinceTime or sinceSeconds");
    sinceTime = new Date(now.getTime() - sinceSeconds * 1000);
  }
  return {
    follow: truthy(params.get("follow")),
    timestamps: truthy(params.get("timestamps")),
    previous: truthy(params.get("previous")),
    sinceTime,
    tailLines: nonNegativeInt(params, "tailLines"),
    limitBytes: nonNegativeInt(params, "limitBytes"),
  };
}

/** RFC 3339 with nanoseconds, the kubelet's log timestamp format (JavaScript clocks stop at ms). */
export function formatLogTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export function parseLogLine(line: string): LogRecord | undefined {
  const first = line.indexOf(" ");
  const second = line.indexOf(" ", first + 1);
  if (first < 0 || second < 0) return undefined;
  const stream = line.slice(first + 1, second);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  return { time: line.slice(0, first), stream, text: line.slice(second + 1) };
}

export function serializeLogRecord(record: LogRecord): string {
  return `${record.time} ${record.stream} ${record.text}\n`;
}

/** What was already written when the request came: tail first, then sinceTime, as the kubelet does. */
export function selectRecords(records: readonly LogRecord[], query: LogQuery): readonly LogRecord[] {
  const tailed = query.tailLines === undefined ? records : records.slice(records.length - query.tailLines);
  const since = query.sinceTime;
  if (!since) return query.tailLines === 0 ? [] : tailed;
  return (query.tailLines === 0 ? [] : tailed).filter((r) => !isBefore(r.time, since));
}

/** A line written while following passes the sinceTime filter too. */
export function passesSince(record: LogRecord, query: LogQuery): boolean {
  return !query.sinceTime || !isBefore(record.time, query.sinceTime);
}

function isBefore(time: string, since: Date): boolean {
  return new Date(time).getTime() < since.getTime();
}

export function renderRecord(record: LogRecord, timestamps: boolean): string {
  return timestamps ? `${record.time} ${record.text}\n` : `${record.text}\n`;
}
