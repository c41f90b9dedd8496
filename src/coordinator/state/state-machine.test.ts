import { describe, expect, it } from "vitest";
import { cancelJob, cancelPipeline, playManual } from "./cancel.js";
import { finishJob, shouldRetry } from "./finish-job.js";
import type { JobNode } from "./job-node.js";
import { pipelineStatus } from "./pipeline-status.js";
import { settle } from "./settle.js";
import { watchdog } from "./watchdog.js";

let nextId = 1;
function node(name: string, overrides: Partial<JobNode> = {}): JobNode {
  return {
    id: nextId++,
    name,
    stageIndex: 0,
    status: "created",
    needs: null,
    when: "on_success",
    startInSeconds: 0,
    allowFailure: false,
    allowFailureExitCodes: [],
    exitCode: null,
    failureReason: null,
    retry: { max: 0, when: ["always"], exitCodes: [] },
    attempt: 1,
    retried: false,
    timeoutSeconds: 60,
    runnerId: null,
    acknowledged: false,
    assignedAt: null,
    startedAt: null,
    scheduledAt: null,
    heartbeatAt: null,
    ...overrides,
  };
}

const needs = (...names: string[]) => names.map((job) => ({ job, artifacts: true, optional: false }));

/** Applies settle and returns name → status. */
function settled(nodes: JobNode[], now = 1000): Record<string, string> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const t of settle(nodes, now)) {
    const n = byId.get(t.jobId);
    if (n) byId.set(t.jobId, { ...n, status: t.to, scheduledAt: t.scheduledAt ?? null });
  }
  return Object.fromEntries([...byId.values()].filter((n) => !n.retried).map((n) => [n.name, n.status]));
}

describe("settle", () => {
  it.each<[string, JobNode[], Record<string, string>]>([
    [
      "first stage pending, later stages wait",
      [node("build"), node("test", { stageIndex: 1 }), node("deploy", { stageIndex: 2 })],
      { build: "pending", test: "created", deploy: "created" },
    ],
    [
      "next stage after success",
      [node("build", { status: "success" }), node("test", { stageIndex: 1 })],
      { build: "success", test: "pending" },
    ],
    [
      "needs: [] starts at once even in a late stage",
      [node("build", { status: "running" }), node("lint", { stageIndex: 3, needs: [] })],
      { build: "running", lint: "pending" },
    ],
    [
      "needs gate on the needed job only",
      [
        node("a", { status: "success" }),
        node("b", { status: "running" }),
        node("c", { stageIndex: 1, needs: needs("a") }),
      ],
      { a: "success", b: "running", c: "pending" },
    ],
    [
      "failure skips on_success, runs on_failure and always",
      [
        node("build", { status: "failed" }),
        node("test", { stageIndex: 1 }),
        node("notify", { stageIndex: 1, when: "on_failure" }),
        node("clean", { stageIndex: 1, when: "always" }),
      ],
      { build: "failed", test: "skipped", notify: "pending", clean: "pending" },
    ],
    [
      "success skips on_failure",
      [node("build", { status: "success" }), node("notify", { stageIndex: 1, when: "on_failure" })],
      { build: "success", notify: "skipped" },
    ],
    [
      "allowed failure counts as success",
      [node("build", { status: "failed", allowFailure: true }), node("test", { stageIndex: 1 })],
      { build: "failed", test: "pending" },
    ],
    [
      "allow_failure exit_codes: listed code allowed",
      [
        node("build", { status: "failed", exitCode: 3, allowFailureExitCodes: [3] }),
        node("test", { stageIndex: 1 }),
      ],
      { build: "failed", test: "pending" },
    ],
    [
      "allow_failure exit_codes: other code fails",
      [
        node("build", { status: "failed", exitCode: 1, allowFailureExitCodes: [3] }),
        node("test", { stageIndex: 1 }),
      ],
      { build: "failed", test: "skipped" },
    ],
    [
      "skips cascade through needs",
      [
        node("a", { status: "failed" }),
        node("b", { stageIndex: 1, needs: needs("a") }),
        node("c", { stageIndex: 2, needs: needs("b") }),
        node("d", { stageIndex: 2, needs: needs("b"), when: "always" }),
      ],
      { a: "failed", b: "skipped", c: "skipped", d: "pending" },
    ],
    [
      "manual becomes manual; allow_failure manual does not block the next stage",
      [node("deploy", { when: "manual", allowFailure: true }), node("after", { stageIndex: 1 })],
      { deploy: "manual", after: "pending" },
    ],
    [
      "blocking manual holds later stages",
      [node("deploy", { when: "manual" }), node("after", { stageIndex: 1 })],
      { deploy: "manual", after: "created" },
    ],
    [
      "a job that needs a manual job waits for it",
      [
        node("deploy", { when: "manual", allowFailure: true }),
        node("smoke", { stageIndex: 1, needs: needs("deploy") }),
      ],
      { deploy: "manual", smoke: "created" },
    ],
    [
      "delayed becomes scheduled",
      [node("later", { when: "delayed", startInSeconds: 30 })],
      { later: "scheduled" },
    ],
    [
      "retried attempts are ignored; the newest attempt gates",
      [
        node("a", { status: "failed", retried: true }),
        node("a", { status: "success", attempt: 2 }),
        node("b", { stageIndex: 1 }),
      ],
      { a: "success", b: "pending" },
    ],
    [
      "canceled predecessor skips on_success",
      [node("a", { status: "canceled" }), node("b", { stageIndex: 1 })],
      { a: "canceled", b: "skipped" },
    ],
  ])("%s", (_title, nodes, expected) => {
    expect(settled(nodes)).toEqual(expected);
  });

  it("schedules delayed jobs at now + start_in", () => {
    const t = settle([node("later", { when: "delayed", startInSeconds: 30 })], 5000);
    expect(t).toEqual([expect.objectContaining({ to: "scheduled", scheduledAt: 35_000 })]);
  });
});

describe("finishJob and retry", () => {
  const policy = (max: number, when: string[], exitCodes: number[] = []) => ({ max, when, exitCodes });
  it.each<[string, Partial<JobNode>, "success" | "failed", number | null, string | null, string, boolean]>([
    ["success", {}, "success", null, null, "success", false],
    ["script failure, no retry", {}, "failed", 1, "script_failure", "failed", false],
    ["retry always", { retry: policy(2, ["always"]) }, "failed", 1, "script_failure", "failed", true],
    [
      "retry exhausted",
      { retry: policy(2, ["always"]), attempt: 3 },
      "failed",
      1,
      "script_failure",
      "failed",
      false,
    ],
    [
      "retry when runner_system_failure only",
      { retry: policy(1, ["runner_system_failure"]) },
      "failed",
      1,
      "script_failure",
      "failed",
      false,
    ],
    [
      "image pull maps to runner_system_failure",
      { retry: policy(1, ["runner_system_failure"]) },
      "failed",
      null,
      "image_pull_failure",
      "failed",
      true,
    ],
    [
      "retry exit_codes match",
      { retry: policy(1, ["always"], [137]) },
      "failed",
      137,
      "script_failure",
      "failed",
      true,
    ],
    [
      "retry exit_codes miss",
      { retry: policy(1, ["always"], [137]) },
      "failed",
      1,
      "script_failure",
      "failed",
      false,
    ],
    ["canceling ends canceled", { status: "canceling" }, "success", 0, null, "canceled", false],
  ])("%s", (_t, over, state, exitCode, reason, status, retry) => {
    const d = finishJob(node("j", { status: "running", ...over }), {
      state,
      exitCode,
      failureReason: reason as never,
    });
    expect([d.status, d.retry]).toEqual([status, retry]);
  });

  it("never retries a cancel", () => {
    expect(shouldRetry({ max: 3, when: ["always"], exitCodes: [] }, 1, "job_canceled", null)).toBe(false);
  });
});

describe("pipelineStatus", () => {
  it.each<[string, Partial<JobNode>[], boolean, string]>([
    ["all success", [{ status: "success" }, { status: "skipped" }], false, "success"],
    ["running", [{ status: "success" }, { status: "running" }], false, "running"],
    ["pending before anything ran", [{ status: "pending" }, { status: "created" }], false, "pending"],
    ["failed", [{ status: "failed" }, { status: "skipped" }], false, "failed"],
    [
      "allowed failure passes",
      [{ status: "failed", allowFailure: true }, { status: "success" }],
      false,
      "success",
    ],
    [
      "blocked on manual",
      [{ status: "success" }, { status: "manual" }, { status: "created" }],
      false,
      "manual",
    ],
    [
      "optional manual left",
      [{ status: "success" }, { status: "manual", allowFailure: true }],
      false,
      "success",
    ],
    ["canceled by user", [{ status: "canceled" }, { status: "success" }], true, "canceled"],
    ["all skipped", [{ status: "skipped" }], false, "skipped"],
    [
      "retried failure ignored",
      [{ status: "failed", retried: true }, { status: "success" }],
      false,
      "success",
    ],
  ])("%s", (_t, overs, canceled, expected) => {
    expect(
      pipelineStatus(
        overs.map((o, i) => node(`j${i}`, o)),
        canceled,
      ),
    ).toBe(expected);
  });
});

describe("cancel and play", () => {
  it("running jobs go canceling, waiting ones canceled, finished ones stay", () => {
    const nodes = [
      node("a", { status: "running" }),
      node("b", { status: "pending" }),
      node("c", { status: "created" }),
      node("d", { status: "success" }),
      node("e", { status: "manual" }),
    ];
    expect(cancelPipeline(nodes).map((t) => [t.from, t.to])).toEqual([
      ["running", "canceling"],
      ["pending", "canceled"],
      ["created", "canceled"],
      ["manual", "canceled"],
    ]);
    expect(cancelJob(node("x", { status: "canceling" }))).toEqual([]);
  });

  it("plays only manual jobs", () => {
    expect(playManual(node("m", { status: "manual" })).map((t) => t.to)).toEqual(["pending"]);
    expect(playManual(node("m", { status: "success" }))).toEqual([]);
  });
});

describe("watchdog", () => {
  const limits = { heartbeatTimeoutMs: 1000, ackTimeoutMs: 500, timeoutGraceMs: 0, cancelGraceMs: 2000 };
  it.each<[string, Partial<JobNode>, number, string | null]>([
    ["due scheduled job starts", { status: "scheduled", scheduledAt: 100 }, 100, "start"],
    ["future scheduled job waits", { status: "scheduled", scheduledAt: 200 }, 100, null],
    ["trigger job without runner is not watched", { status: "running", startedAt: 0 }, 99_000_000, null],
    ["unacknowledged hand-out requeued", { status: "pending", runnerId: 1, assignedAt: 0 }, 600, "requeue"],
    ["acknowledged quickly is fine", { status: "pending", runnerId: 1, assignedAt: 0 }, 400, null],
    [
      "job past its timeout fails",
      { status: "running", runnerId: 1, startedAt: 0, heartbeatAt: 60_500, timeoutSeconds: 60 },
      61_000,
      "fail:job_execution_timeout",
    ],
    [
      "silent runner fails the job",
      { status: "running", runnerId: 1, startedAt: 0, heartbeatAt: 0 },
      1500,
      "fail:runner_system_failure",
    ],
    [
      "live runner keeps the job",
      { status: "running", runnerId: 1, startedAt: 0, heartbeatAt: 1000 },
      1500,
      null,
    ],
    [
      "silent canceling job ends canceled",
      { status: "canceling", runnerId: 1, heartbeatAt: 0 },
      2500,
      "canceled",
    ],
  ])("%s", (_t, over, now, expected) => {
    const actions = watchdog([node("j", over)], now, limits);
    const got = actions.map((a) => (a.kind === "fail" ? `fail:${a.reason}` : a.kind));
    expect(got).toEqual(expected === null ? [] : [expected]);
  });
});
