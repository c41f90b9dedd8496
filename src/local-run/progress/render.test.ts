import { describe, expect, it } from "vitest";
import { formatDuration } from "./format-duration.js";
import { applyEvent, initialState, type ProgressState } from "./progress-state.js";
import { renderFrame } from "./render-frame.js";
import { renderEventLines } from "./render-lines.js";
import { renderFailures, renderSummary } from "./render-summary.js";
import type { JobRef, PlannedJobView, RunEvent } from "./run-event.js";

const ref = (name: string, stage = "build", baseName = name): JobRef => ({ id: 1, name, baseName, stage });
const finished = (
  job: JobRef,
  status: "success" | "failed" | "canceled" | "skipped",
  extra: Partial<Extract<RunEvent, { kind: "job_finished" }>> = {},
): RunEvent => ({
  kind: "job_finished",
  job,
  status,
  exitCode: status === "failed" ? 3 : status === "success" ? 0 : null,
  durationMs: 1234,
  allowFailure: false,
  failureReason: status === "failed" ? "script_failure" : null,
  willRetry: false,
  at: 0,
  ...extra,
});

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [850, "850ms"],
    [1234, "1.2s"],
    [59_940, "59.9s"],
    [123_000, "2m03s"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("renderEventLines", () => {
  const job = ref("unit");
  it.each<[string, RunEvent, boolean, string[]]>([
    ["start", { kind: "job_started", job, at: 0 }, false, ["unit started"]],
    ["pass", finished(job, "success"), false, ["unit passed (1.2s)"]],
    ["fail", finished(job, "failed"), false, ["unit failed (exit 3)"]],
    [
      "allowed",
      finished(job, "failed", { allowFailure: true }),
      false,
      ["unit failed (exit 3), allowed to fail"],
    ],
    ["retry", finished(job, "failed", { willRetry: true }), false, ["unit failed (exit 3), retrying"]],
    [
      "timeout",
      finished(job, "failed", { exitCode: null, failureReason: "job_execution_timeout" }),
      false,
      ["unit failed (job_execution_timeout)"],
    ],
    ["cancel", finished(job, "canceled"), false, ["unit canceled (1.2s)"]],
    ["skip", finished(job, "skipped"), false, ["unit skipped"]],
    ["output", { kind: "job_output", job, line: "hello" }, false, ["unit > hello"]],
    ["output quiet", { kind: "job_output", job, line: "hello" }, true, []],
    ["notice", { kind: "notice", message: "note" }, true, ["note"]],
  ])("%s", (_, event, quiet, lines) => {
    expect(renderEventLines(event, { quiet })).toEqual(lines);
  });
});

function run(planned: PlannedJobView[], events: RunEvent[]): ProgressState {
  return events.reduce(applyEvent, initialState(planned));
}

const fanOut = (n: number): PlannedJobView[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `hello ${i + 1}/${n}`,
    baseName: "hello",
    stage: "build",
    manual: false,
  }));

describe("renderFrame", () => {
  const size = { columns: 100, rows: 40 };

  it("groups parallel instances by base name with done/total and counts per stage", () => {
    const planned = [...fanOut(200), { name: "deploy", baseName: "deploy", stage: "deploy", manual: true }];
    const events: RunEvent[] = [];
    for (let i = 1; i <= 142; i++) events.push(finished(ref(`hello ${i}/200`, "build", "hello"), "success"));
    events.push(finished(ref("hello 143/200", "build", "hello"), "failed"));
    for (let i = 144; i <= 146; i++)
      events.push({ kind: "job_started", job: ref(`hello ${i}/200`, "build", "hello"), at: 0 });
    expect(renderFrame(run(planned, events), 5000, size)).toEqual([
      "build  3 running, 142 passed, 1 failed, 54 waiting",
      "  hello     143/200  3 running, 1 failed, 54 waiting",
      "deploy  1 manual",
      "  deploy    manual (not run)",
    ]);
  });

  it.each<[string, RunEvent[], string]>([
    ["waiting", [], "waiting"],
    ["running", [{ kind: "job_started", job: ref("lint"), at: 1000 }], "running 2.5s"],
    ["passed", [finished(ref("lint"), "success")], "passed 1.2s"],
    ["failed", [finished(ref("lint"), "failed")], "failed (exit 3)"],
    [
      "allowed",
      [finished(ref("lint"), "failed", { allowFailure: true })],
      "failed (exit 3), allowed to fail",
    ],
    ["retrying goes back to waiting", [finished(ref("lint"), "failed", { willRetry: true })], "waiting"],
  ])("a single job %s", (_, events, words) => {
    const frame = renderFrame(
      run([{ name: "lint", baseName: "lint", stage: "build", manual: false }], events),
      3500,
      size,
    );
    expect(frame[1]).toBe(`  lint      ${words}`);
  });

  it("fits the terminal: long lines cut, too many lines counted", () => {
    const planned = Array.from({ length: 30 }, (_, i) => ({
      name: `job-${i}-${"x".repeat(60)}`,
      baseName: `job-${i}-${"x".repeat(60)}`,
      stage: "test",
      manual: false,
    }));
    const frame = renderFrame(run(planned, []), 0, { columns: 40, rows: 11 });
    expect(frame).toHaveLength(10);
    expect(frame.every((l) => l.length <= 40)).toBe(true);
    expect(frame.at(-1)).toBe("… 22 more lines");
  });
});

describe("renderSummary", () => {
  it("counts passed, failed, skipped and manual jobs and names the log folder", () => {
    const planned: PlannedJobView[] = [
      { name: "a", baseName: "a", stage: "build", manual: false },
      { name: "b", baseName: "b", stage: "build", manual: false },
      { name: "c", baseName: "c", stage: "test", manual: false },
      { name: "d", baseName: "d", stage: "test", manual: true },
      { name: "e", baseName: "e", stage: "test", manual: false },
    ];
    const state = run(planned, [
      finished(ref("a"), "success"),
      finished(ref("b"), "failed"),
      finished(ref("c", "test"), "skipped"),
      finished(ref("e", "test"), "failed", { allowFailure: true }),
    ]);
    expect(renderSummary(state, "failed", 61_000, ".runfleet/logs/3")).toEqual([
      "Pipeline failed in 1m01s: 1 passed, 1 failed, 1 failed (allowed), 1 skipped, 1 manual",
      "Logs: .runfleet/logs/3",
    ]);
  });

  it("shows failed jobs' output with their log path", () => {
    expect(renderFailures([{ name: "b", why: "exit 3", lines: ["boom"], logPath: "x/b.log" }])).toEqual([
      "",
      "── b failed (exit 3) ── x/b.log",
      "boom",
    ]);
  });
});
