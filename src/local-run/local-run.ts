import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { shellQuote } from "../jobscript/index.js";
import { createLocalStack } from "./create-local-stack.js";
import { JobLogs } from "./job-logs.js";
import type { LocalStack } from "./local-stack.js";
import { failureAllowed, PipelineWatcher, type WatchedJob } from "./pipeline-watcher.js";
import { chooseRunExecutor, prepareRun } from "./prepare-run.js";
import { LineView, LiveView, type ProgressView } from "./progress/progress-view.js";
import { failureWhy } from "./progress/render-lines.js";
import {
  type FailedJobOutput,
  type PipelineOutcome,
  renderFailures,
  renderSummary,
} from "./progress/render-summary.js";
import type { PlannedJobView } from "./progress/run-event.js";
import { newRunId } from "./run-id.js";
import type { RunOptions } from "./run-options.js";
import { type RunReport, writeReport } from "./run-report.js";

/** The terminal (or pipe) a run talks to, and how it learns of Ctrl-C. */
export interface RunConsole {
  readonly out: {
    write(text: string): unknown;
    readonly isTTY?: boolean;
    readonly columns?: number;
    readonly rows?: number;
  };
  readonly err: { write(text: string): unknown };
  /** Calls `handler` on each Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** After Ctrl-C, how long the pipeline gets to cancel cleanly before the runner is stopped outright. */
const CANCEL_GRACE_MS = 20_000;

/** Lines of a failed job's log shown at the end of a terminal run. */
const FAILED_TAIL_LINES = 30;

/**
 * `runfleet run`: prepare (snapshot, config, plan), start the local coordinator and runner, submit,
 * follow the pipeline to its end, write the report. Returns the exit code: 0 passed, 1 failed.
 */
export async function runLocal(options: RunOptions, io: RunConsole): Promise<number> {
  const startedAt = Date.now();
  const runId = newRunId(startedAt);
  const notices: string[] = [];
  const notice = (message: string) => {
    notices.push(message);
    io.err.write(`${message}\n`);
  };
  const prepared = await prepareRun(options, runId, notice);
  if (prepared.kind === "none") {
    io.out.write(`No pipeline: ${prepared.reason}\n`);
    if (options.report !== undefined) await writeReport(options.report, { status: "success", jobs: [] });
    return 0;
  }
  const { project, plan } = prepared;
  const { executor, notices: executorNotices } = await chooseRunExecutor(plan, options);
  for (const line of executorNotices) notice(line);

  const stack = await createLocalStack({ project, concurrency: options.concurrency, executor });
  const tty = io.out.isTTY === true;
  const planned: PlannedJobView[] = plan.jobs.map((j) => ({
    name: j.name,
    baseName: j.baseName,
    stage: j.stage,
    manual: j.when === "manual",
  }));
  let view: ProgressView | null = null;
  let stopInterrupts = () => {};
  try {
    view = tty
      ? new LiveView(planned, io.out, () => terminalSize(io.out))
      : new LineView(planned, io.out, options.quiet);
    const liveView = view;
    const watcher = new PipelineWatcher(stack, liveView, !tty && !options.quiet);
    const pipeline = await stack.submit(
      {
        plan,
        snapshot: prepared.snapshot,
        ref: prepared.context.ref,
        source: options.source,
        commitMessage: prepared.context.commitMessage ?? "",
      },
      watcher.handle,
    );
    // The log folder is named after the pipeline; events that came before it exists wait in the watcher.
    const logs = new JobLogs(project.stateDir, pipeline.id);
    await logs.open();
    watcher.start(pipeline, logs);
    stopInterrupts = onCtrlC(
      io,
      stack,
      pipeline.id,
      (m) => liveView.event({ kind: "notice", message: m }),
      watcher,
    );
    const end = await watcher.done;
    // After a forced stop the store is closed; the report then lists the jobs the events showed.
    await watcher.complete().catch(() => undefined);
    stopInterrupts();
    view.close();
    const jobs = watcher.finalJobs();
    // Blocked: a manual job that may not fail was never played, so what follows it never ran.
    const blocking = jobs.filter((j) => j.record.status === "manual" && !j.record.allowFailure);
    const outcome: PipelineOutcome =
      end.status === "success" || (end.status === "manual" && blocking.length === 0)
        ? "success"
        : end.status === "canceled"
          ? "canceled"
          : "failed";
    if (blocking.length > 0) {
      const names = blocking.map((j) => j.name);
      io.err.write(
        `Pipeline blocked: ${names.join(", ")} ${names.length === 1 ? "is a manual job" : "are manual jobs"} ` +
          `that must be played first; play ${names.length === 1 ? "it" : "them"} with: runfleet run ${names.map((n) => `--manual ${shellQuote(n)}`).join(" ")}\n`,
      );
    }
    if (tty) io.out.write(`${renderFailures(await failedOutputs(jobs)).join("\n")}\n`);
    io.out.write(
      `${renderSummary(view.state, outcome, Date.now() - startedAt, relative(process.cwd(), logs.dir) || ".").join("\n")}\n`,
    );
    if (options.report !== undefined) await writeReport(options.report, reportOf(outcome, jobs));
    return outcome === "success" ? 0 : 1;
  } finally {
    stopInterrupts();
    view?.close();
    await stack.stop();
  }
}

/** First Ctrl-C cancels the pipeline cleanly; a second one stops the runner at once. */
function onCtrlC(
  io: RunConsole,
  stack: LocalStack,
  pipelineId: number,
  say: (message: string) => void,
  watcher: PipelineWatcher,
): () => void {
  let presses = 0;
  let grace: NodeJS.Timeout | undefined;
  const stopNow = () => {
    say("Stopping now.");
    void stack.stop().finally(() => watcher.abandon());
  };
  const stop = io.onInterrupt(() => {
    presses++;
    if (presses === 1) {
      say("Canceling the pipeline (Ctrl-C again to stop at once)…");
      void stack.cancel(pipelineId).catch((err: unknown) => say(`warning: cancel failed: ${String(err)}`));
      // A single SIGTERM (CI, `timeout`) must end the run too, even if a job ignores the cancel.
      grace = setTimeout(stopNow, CANCEL_GRACE_MS);
    } else {
      stopNow();
    }
  });
  return () => {
    clearTimeout(grace);
    stop();
  };
}

function reportOf(outcome: PipelineOutcome, jobs: readonly WatchedJob[]): RunReport {
  return {
    status: outcome,
    jobs: jobs.map(({ record, name, log }) => ({
      name,
      stage: record.stage,
      status: record.status,
      exitCode: record.exitCode,
      failureReason: record.status === "failed" ? record.failureReason : null,
      durationMs:
        record.startedAt !== null && record.finishedAt !== null ? record.finishedAt - record.startedAt : null,
      log,
    })),
  };
}

async function failedOutputs(jobs: readonly WatchedJob[]): Promise<FailedJobOutput[]> {
  const failed = jobs.filter(
    (j) => j.record.status === "failed" && !failureAllowed(j.record) && j.log !== null,
  );
  return Promise.all(
    failed.map(async (j) => {
      const text = j.log === null ? "" : await readFile(j.log, "utf8").catch(() => "");
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      return {
        name: j.name,
        why: failureWhy(j.record.exitCode, j.record.failureReason),
        lines: lines.slice(-FAILED_TAIL_LINES),
        logPath: j.log === null ? "" : relative(process.cwd(), j.log),
      };
    }),
  );
}

/** Some pseudo-terminals report 0×0; then COLUMNS/LINES, then 80×24. */
function terminalSize(out: RunConsole["out"]): { columns: number; rows: number } {
  return {
    columns: out.columns || Number(process.env.COLUMNS) || 80,
    rows: out.rows || Number(process.env.LINES) || 24,
  };
}
