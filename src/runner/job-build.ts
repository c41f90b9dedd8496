/**
 * One job from payload to final update, walked as GitLab Runner's named stages: prepare_executor,
 * get_sources, restore_cache, download_artifacts, step_script, after_script, archive_cache,
 * upload_artifacts_on_success/on_failure — each in a trace section. Cancel and timeout are handled
 * here; the executor only runs what it is given.
 */
import type { Executor, JobEnvironment, StageIo, StageOutcome } from "../executors/index.js";
import {
  renderStageScript,
  resolveJobVariables,
  type StageName,
  sectionEnd,
  sectionStart,
  sourcesSpec,
  variableLookup,
} from "../jobscript/index.js";
import type { JobPayload } from "../protocol/index.js";
import { type GitLabApiClient, RUNNER_VERSION } from "./api-client.js";
import { downloadArtifacts, uploadArtifacts } from "./artifacts-stage.js";
import { archiveCaches, restoreCaches } from "./cache-stage.js";
import { type RunnerEntryConfig, shortToken } from "./config.js";
import { ciJobStatus, closingLine, type JobOutcome, outcomeUpdate } from "./job-outcome.js";
import { JobTrace, type RemoteJobSignal } from "./job-trace.js";
import { TraceBuffer } from "./trace-buffer.js";
import { DEFAULT_TOKEN_PREFIXES, TraceMasker } from "./trace-masker.js";

export interface BuildContext {
  readonly client: GitLabApiClient;
  readonly runner: RunnerEntryConfig;
  readonly executor: Executor;
  readonly payload: JobPayload;
  readonly slot: number;
  /** Aborted when the manager shuts down hard (SIGINT/SIGTERM): the job is killed and failed. */
  readonly shutdown: AbortSignal;
  /** First trace interval; the coordinator's `X-GitLab-Trace-Update-Interval` takes over after that. */
  readonly traceIntervalMs?: number;
  /** Sees every masked trace chunk (for progress displays). */
  readonly onTrace?: (chunk: Buffer) => void;
}

export interface BuildResult {
  readonly outcome: JobOutcome;
  readonly durationMs: number;
}

const DEFAULT_JOB_TIMEOUT_S = 7200;
const DEFAULT_AFTER_SCRIPT_TIMEOUT_S = 300;

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = value.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m|h)?$/);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return unit === "ms" ? n / 1000 : unit === "m" ? n * 60 : unit === "h" ? n * 3600 : n;
}

/** `*_ATTEMPTS` variables: 1 to 10, default 1. */
export function attemptsFrom(value: string | undefined): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) ? Math.min(10, Math.max(1, n)) : 1;
}

export async function runBuild(ctx: BuildContext): Promise<BuildResult> {
  return new JobBuild(ctx).run();
}

class JobBuild {
  private readonly started = Date.now();
  private readonly buffer: TraceBuffer;
  private readonly trace: JobTrace;
  /** Graceful cancel: stops the script; after_script, cache and artifacts still run. */
  private readonly cancelScript = new AbortController();
  /** Hard stop: everything is killed. */
  private readonly kill = new AbortController();
  private remote: RemoteJobSignal | undefined;
  private readonly timeoutSeconds: number;
  private readonly deadline: number;

  constructor(private readonly ctx: BuildContext) {
    const payload = ctx.payload;
    const secrets = payload.variables.filter((v) => v.masked).map((v) => v.value);
    const prefixes = [...DEFAULT_TOKEN_PREFIXES, ...(payload.features.token_mask_prefixes ?? [])];
    this.buffer = new TraceBuffer(
      new TraceMasker([payload.token, ...secrets], prefixes),
      ctx.runner.outputLimitKb * 1024,
    );
    if (ctx.onTrace) this.buffer.onAppend(ctx.onTrace);
    this.trace = new JobTrace({
      client: ctx.client,
      jobId: payload.id,
      jobToken: payload.token,
      buffer: this.buffer,
      onRemoteSignal: (signal) => this.onRemote(signal),
      ...(ctx.traceIntervalMs !== undefined ? { initialIntervalMs: ctx.traceIntervalMs } : {}),
    });
    this.timeoutSeconds =
      payload.runner_info.timeout > 0 ? payload.runner_info.timeout : DEFAULT_JOB_TIMEOUT_S;
    this.deadline = this.started + this.timeoutSeconds * 1000;
  }

  private onRemote(signal: RemoteJobSignal): void {
    this.remote = signal === "abort" || this.remote === "abort" ? "abort" : signal;
    this.cancelScript.abort();
    if (signal === "abort") this.kill.abort();
  }

  private log(line: string): void {
    this.buffer.write(`${line}\n`);
  }

  private io(signal: AbortSignal, deadline: number): StageIo {
    return { sink: (chunk) => this.buffer.write(chunk), signal, deadline };
  }

  private async section<T>(name: StageName, body: () => Promise<T>): Promise<T> {
    const sections = this.ctx.payload.features.trace_sections;
    if (sections) this.buffer.write(sectionStart(name, Date.now(), { hideDuration: name !== "step_script" }));
    try {
      return await body();
    } finally {
      if (sections) this.buffer.write(sectionEnd(name, Date.now()));
    }
  }

  async run(): Promise<BuildResult> {
    const { ctx } = this;
    const onShutdown = (): void => this.kill.abort();
    ctx.shutdown.addEventListener("abort", onShutdown, { once: true });
    if (ctx.shutdown.aborted) onShutdown();
    this.trace.start();
    let outcome: JobOutcome;
    let env: JobEnvironment | undefined;
    try {
      this.log(`Running with runfleet ${RUNNER_VERSION}`);
      this.log(`  on ${ctx.runner.name} ${shortToken(ctx.runner.token)}`);
      env = await this.section("prepare_executor", async () => {
        this.log(`Preparing the "${ctx.executor.name}" executor`);
        const prepared = await ctx.executor.prepare({
          payload: ctx.payload,
          slot: ctx.slot,
          runnerShortToken: shortToken(ctx.runner.token),
        });
        this.log(`Using ${ctx.executor.name} executor with ${prepared.shell}...`);
        const image = ctx.payload.image?.name;
        if (image && ctx.executor.runsImages === false) {
          this.log(
            `Job image "${image}" ignored: the ${ctx.executor.name} executor runs jobs on this machine`,
          );
        }
        return prepared;
      });
      outcome = await this.stages(env);
    } catch (err) {
      outcome = { kind: "system_failure", message: err instanceof Error ? err.message : String(err) };
    } finally {
      ctx.shutdown.removeEventListener("abort", onShutdown);
    }
    await env?.cleanup().catch(() => undefined);
    if (ctx.shutdown.aborted && outcome.kind !== "success") {
      outcome = { kind: "system_failure", message: "the runner was stopped while the job ran" };
    }
    this.log("");
    this.log(closingLine(outcome));
    if (this.remote === "abort") {
      // The coordinator has already finished the job; a final state would only be refused.
      this.trace.stop();
      this.buffer.finish();
      await this.trace.flush().catch(() => false);
    } else {
      await this.trace.finalUpdate(outcomeUpdate(outcome, ctx.payload.features.failure_reasons));
    }
    return { outcome, durationMs: Date.now() - this.started };
  }

  private scriptOutcome(result: StageOutcome): JobOutcome | undefined {
    switch (result.kind) {
      case "exited":
        return result.exitCode === 0 ? undefined : { kind: "script_failed", exitCode: result.exitCode };
      case "timed_out":
        return { kind: "timed_out", timeoutSeconds: this.timeoutSeconds };
      case "canceled":
        return this.remote === "abort" || this.kill.signal.aborted
          ? { kind: "aborted" }
          : { kind: "canceled" };
      default: {
        const never: never = result;
        return never;
      }
    }
  }

  private async stages(env: JobEnvironment): Promise<JobOutcome> {
    const { ctx } = this;
    const payload = ctx.payload;
    const runnerVariables: Record<string, string> = {
      CI_BUILDS_DIR: env.buildsDir,
      CI_PROJECT_DIR: env.projectDir,
      CI_CONCURRENT_ID: String(ctx.slot),
      CI_CONCURRENT_PROJECT_ID: String(ctx.slot),
      CI_SERVER: "yes",
      CI_JOB_TIMEOUT: String(this.timeoutSeconds),
      CI_RUNNER_SHORT_TOKEN: shortToken(ctx.runner.token),
      CI_RUNNER_VERSION: RUNNER_VERSION,
      CI_RUNNER_REVISION: "runfleet",
      CI_RUNNER_EXECUTABLE_ARCH: `${process.platform}/${process.arch}`,
      RUNNER_TEMP_PROJECT_DIR: env.tempDir,
      [env.shared ? "CI_SHARED_ENVIRONMENT" : "CI_DISPOSABLE_ENVIRONMENT"]: "true",
    };
    const variables = resolveJobVariables({
      jobVariables: payload.variables,
      runnerEnvironment: ctx.runner.environment,
      runnerVariables,
      tempDir: env.tempDir,
    });
    const lookup = variableLookup(variables);
    const scriptSignal = AbortSignal.any([this.cancelScript.signal, this.kill.signal]);
    const scriptTimeout = seconds(lookup("RUNNER_SCRIPT_TIMEOUT"));
    const scriptDeadline = scriptTimeout
      ? Math.min(this.deadline, Date.now() + scriptTimeout * 1000)
      : this.deadline;

    let outcome: JobOutcome | undefined;
    const spec = sourcesSpec({ git: payload.git_info, allowGitFetch: payload.allow_git_fetch, lookup });
    const attempts = attemptsFrom(lookup("GET_SOURCES_ATTEMPTS"));
    const sources = await this.section("get_sources", async () => {
      let result = await env.getSources(spec, this.io(scriptSignal, this.deadline));
      // GET_SOURCES_ATTEMPTS: retried from an empty directory, as GitLab Runner clears the work tree.
      for (
        let attempt = 2;
        attempt <= attempts && result.kind === "exited" && result.exitCode !== 0;
        attempt++
      ) {
        this.log(
          `WARNING: getting sources failed; attempt ${attempt} of ${attempts} starts from a fresh clone`,
        );
        result = await env.getSources(
          { ...spec, strategy: spec.strategy === "none" ? "none" : "clone" },
          this.io(scriptSignal, this.deadline),
        );
      }
      return result;
    });
    outcome = this.scriptOutcome(sources);
    const cacheCtx = {
      cacheDir: ctx.runner.cacheDir ?? `${env.buildsDir}/../cache`,
      projectPath: payload.job_info.project_full_path ?? payload.job_info.project_name,
      projectDir: env.hostProjectDir,
      lookup,
      log: (line: string) => this.log(line),
    };
    const artifactsCtx = {
      client: ctx.client,
      jobId: payload.id,
      jobToken: payload.token,
      projectDir: env.hostProjectDir,
      lookup,
      log: cacheCtx.log,
    };
    if (outcome === undefined && payload.cache.length > 0) {
      await this.section("restore_cache", () => restoreCaches(cacheCtx, payload.cache));
    }
    if (outcome === undefined && payload.dependencies.some((d) => d.artifacts_file !== undefined)) {
      const ok = await this.section("download_artifacts", () =>
        downloadArtifacts(artifactsCtx, payload.dependencies),
      );
      if (!ok) outcome = { kind: "script_failed", exitCode: 1 };
    }
    if (outcome === undefined) {
      const render = (commands: readonly string[], status: ReturnType<typeof ciJobStatus> | "running") =>
        renderStageScript({
          shell: env.shell,
          variables,
          projectDir: env.projectDir,
          tempDir: env.tempDir,
          commands,
          jobStatus: status,
        });
      const script = payload.steps.find((s) => s.name === "script")?.script ?? [];
      const result = await this.section("step_script", () =>
        env.runScript("step_script", render(script, "running"), this.io(scriptSignal, scriptDeadline)),
      );
      outcome = this.scriptOutcome(result) ?? { kind: "success" };
      const after = payload.steps.find((s) => s.name === "after_script")?.script ?? [];
      if (after.length > 0 && !this.kill.signal.aborted) {
        const afterTimeout = seconds(lookup("RUNNER_AFTER_SCRIPT_TIMEOUT")) ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_S;
        const status = ciJobStatus(outcome);
        const failedWith = await this.section("after_script", async () => {
          this.log("Running after_script");
          const res = await env.runScript(
            "after_script",
            render(after, status),
            this.io(this.kill.signal, Date.now() + afterTimeout * 1000),
          );
          if (res.kind === "timed_out") this.log(`WARNING: after_script timed out after ${afterTimeout}s`);
          if (res.kind !== "exited" || res.exitCode === 0) return undefined;
          if (lookup("AFTER_SCRIPT_IGNORE_ERRORS") === "false") return res.exitCode;
          this.log(
            `WARNING: after_script failed, but job will continue unaffected: exit code ${res.exitCode}`,
          );
          return undefined;
        });
        // AFTER_SCRIPT_IGNORE_ERRORS=false: a failing after_script fails an otherwise passing job.
        if (failedWith !== undefined && outcome.kind === "success")
          outcome = { kind: "script_failed", exitCode: failedWith };
      }
    }
    const current: JobOutcome = outcome;
    const succeeded = current.kind === "success";
    if (this.kill.signal.aborted) return current.kind === "success" ? { kind: "aborted" } : current;
    if (payload.cache.length > 0) {
      await this.section(succeeded ? "archive_cache" : "archive_cache_on_failure", () =>
        archiveCaches(cacheCtx, payload.cache, succeeded),
      );
    }
    if (payload.artifacts.length > 0) {
      const ok = await this.section(
        succeeded ? "upload_artifacts_on_success" : "upload_artifacts_on_failure",
        () => uploadArtifacts(artifactsCtx, payload.artifacts, succeeded),
      );
      if (!ok && succeeded) return { kind: "script_failed", exitCode: 1 };
    }
    return current;
  }
}
