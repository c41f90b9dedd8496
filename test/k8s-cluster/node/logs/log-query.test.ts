import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import {
  formatLogTime,
  type LogRecord,
  parseLogLine,
  parseLogQuery,
  renderRecord,
  selectRecords,
  serializeLogRecord,
} from "./log-query.js";

const now = new Date("2026-01-01T00:01:00Z");
const records: LogRecord[] = [
  { time: "2026-01-01T00:00:00.000000000Z", stream: "stdout", text: "one" },
  { time: "2026-01-01T00:00:10.000000000Z", stream: "stderr", text: "two" },
  { time: "2026-01-01T00:00:20.000000000Z", stream: "stdout", text: "three" },
  { time: "2026-01-01T00:00:30.500000000Z", stream: "stdout", text: "four" },
];

describe("selectRecords", () => {
  it.each([
    { query: "", texts: ["one", "two", "three", "four"] },
    { query: "tailLines=2", texts: ["three", "four"] },
    { query: "tailLines=0", texts: [] },
    { query: "tailLines=10", texts: ["one", "two", "three", "four"] },
    { query: "sinceTime=2026-01-01T00:00:10Z", texts: ["two", "three", "four"] },
    { query: "sinceTime=2026-01-01T00:00:30.6Z", texts: [] },
    { query: "sinceSeconds=45", texts: ["three", "four"] },
    { query: "tailLines=3&sinceTime=2026-01-01T00:00:20Z", texts: ["three", "four"] },
    { query: "tailLines=1&sinceTime=2026-01-01T00:00:00Z", texts: ["four"] },
  ])("$query", ({ query, texts }) => {
    const parsed = parseLogQuery(new URLSearchParams(query), now);
    expect(selectRecords(records, parsed).map((r) => r.text)).toEqual(texts);
  });
});

describe("parseLogQuery", () => {
  it("reads the flags kubectl sends", () => {
    expect(parseLogQuery(new URLSearchParams("follow=true&timestamps=true&limitBytes=5"), now)).toEqual({
      follow: true,
      timestamps: true,
      previous: false,
      sinceTime: undefined,
      tailLines: undefined,
      limitBytes: 5,
    });
  });

  it.each([
    "tailLines=-1",
    "tailLines=x",
    "sinceTime=yesterday",
    "sinceTime=2026-01-01T00:00:00Z&sinceSeconds=1",
  ])("rejects %s", (query) => {
    expect(() => parseLogQuery(new URLSearchParams(query), now)).toThrow(RunfleetError);
  });
});

describe("log lines", () => {
  it("round-trips a record with spaces in the text", () => {
    const record: LogRecord = { time: formatLogTime(now), stream: "stderr", text: " a  b " };
    expect(parseLogLine(serializeLogRecord(record).slice(0, -1))).toEqual(record);
  });

  it.each([
    { timestamps: true, out: "2026-01-01T00:00:00.000000000Z one\n" },
    { timestamps: false, out: "one\n" },
  ])("renders with timestamps=$timestamps", ({ timestamps, out }) => {
    expect(renderRecord(records[0] as LogRecord, timestamps)).toBe(out);
  });

  it("formats nanoseconds", () => {
    expect(formatLogTime(new Date("2026-01-01T00:00:00.123Z"))).toBe("2026-01-01T00:00:00.123000000Z");
  });
});
