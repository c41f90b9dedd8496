/**
 * One job from payload to final update, walked as GitLab Runner's named stages: prepare_executor,
 * get_sources, restore_cache, download_artifacts, step_script, after_script, archive_cache,
 * upload_artifacts_on_success/on_failure — each in a trace section. Cancel and timeout are handled
 * here; the executor only runs what it is given.
 */
import {
  type Executor,
  failureReasonOf,
  type JobEnvironment,
  type StageIo,
  type StageOutcome,
} from "../executors/index.js";
import {
  renderStageScript,
  resolveJobVariables,
  type StageName,
  sectionEnd,
  sectionStart,
  sourcesSpec,
  variableLookup,
} from "../jobscript/index.js";
import type { CiJobStatus, JobPayload } from "../protocol/index.js";
import { onAbort } from "./abort-fanout.js";
import { type GitLabApiClient, RUNNER_VERSION } from "./api-client.js";
import { type ArtifactsContext, downloadArtifacts, uploadArtifacts } from "./artifacts-stage.js";
import { archiveCaches, type CacheContext, restoreCaches } from "./cache-stage.js";
import { type RunnerEntryConfig, shortToken } from "./config.js";
import { ciJobStatus, closingLine, type JobOutcome, outcomeUpdate } from "./job-outcome.js";
import { JobTrace, type RemoteJobSignal } from "./job-trace.js";
import { runnerVariables } from "./runner-variables.js";
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

/** What every stage of one job needs, computed once after the environment is prepared. */
interface StageContext {
  readonly env: JobEnvironment;
  readonly lookup: (name: string) => string | undefined;
  /** Aborted by a graceful cancel or a hard stop. */
  readonly scriptSignal: AbortSignal;
  readonly scriptDeadline: number;
  readonly render: (commands: readonly string[], jobStatus: CiJobStatus | "running") => string;
  readonly cache: CacheContext;
  readonly artifacts: ArtifactsContext;
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
  /**
   * Stops the script: a graceful cancel (after_script, cache and artifacts still run) or a hard stop,
   * which aborts this too. One controller rather than `AbortSignal.any` per job, which is costly.
   */
  private readonly cancelScript = new AbortController();
  /** Hard stop: everything is killed. */
  private killed = false;
  /** Made only when a stage needs the hard-stop signal (after_script): most jobs never do. */
  private killController: AbortController | undefined;
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
    if (signal === "abort") this.killNow();
  }

  private killNow(): void {
    this.killed = true;
    this.killController?.abort();
  }

  private get killSignal(): AbortSignal {
    this.killController ??= new AbortController();
    if (this.killed) this.killController.abort();
    return this.killController.signal;
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
    const onShutdown = (): void => {
      this.cancelScript.abort();
      this.killNow();
    };
    const stopWatching = onAbort(ctx.shutdown, onShutdown);
    this.trace.start();
    let outcome: JobOutcome;
    let env: JobEnvironment | undefined;
    try {
      this.log(`Running with runfleet ${RUNNER_VERSION}`);
      this.log(`  on ${ctx.runner.name} ${shortToken(ctx.runner.token)}`);
      env = await this.section("prepare_executor", async () => {
        const job = { payload: ctx.payload, slot: ctx.slot, runnerShortToken: shortToken(ctx.runner.token) };
        // A routing executor (runfleet run's docker-or-shell) names the one this job really runs on.
        const executorName = ctx.executor.nameFor?.(job) ?? ctx.executor.name;
        this.log(`Preparing the "${executorName}" executor`);
        const prepared = await ctx.executor.prepare(job);
        this.log(`Using ${executorName} executor with ${prepared.shell}...`);
        const image = ctx.payload.image?.name;
        if (image && ctx.executor.runsImages === false) {
          this.log(`Job image "${image}" ignored: the ${executorName} executor runs jobs on this machine`);
        }
        return prepared;
      });
      outcome = await this.stages(env);
    } catch (err) {
      const reason = failureReasonOf(err);
      outcome = {
        kind: "system_failure",
        message: err instanceof Error ? err.message : String(err),
        ...(reason ? { reason } : {}),
      };
    } finally {
      stopWatching();
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
        return this.remote === "abort" || this.killed ? { kind: "aborted" } : { kind: "canceled" };
      default: {
        const never: never = result;
        return never;
      }
    }
  }

  private async stages(env: JobEnvironment): Promise<JobOutcome> {
    const sc = this.stageContext(env);
    let outcome = await this.getSources(sc);
    outcome ??= await this.prepareWorkspace(sc);
    outcome ??= await this.userScripts(sc);
    if (this.killed) return outcome.kind === "success" ? { kind: "aborted" } : outcome;
    return this.keepResults(sc, outcome);
  }

  private stageContext(env: JobEnvironment): StageContext {
    const { ctx } = this;
    const payload = ctx.payload;
    const variables = resolveJobVariables({
      jobVariables: payload.variables,
      runnerEnvironment: ctx.runner.environment,
      runnerVariables: runnerVariables({
        env,
        slot: ctx.slot,
        token: ctx.runner.token,
        timeoutSeconds: this.timeoutSeconds,
      }),
      tempDir: env.tempDir,
    });
    const lookup = variableLookup(variables);
    const scriptTimeout = seconds(lookup("RUNNER_SCRIPT_TIMEOUT"));
    const log = (line: string): void => this.log(line);
    return {
      env,
      lookup,
      scriptSignal: this.cancelScript.signal,
      scriptDeadline: scriptTimeout
        ? Math.min(this.deadline, Date.now() + scriptTimeout * 1000)
        : this.deadline,
      render: (commands, jobStatus) =>
        renderStageScript({
          shell: env.shell,
          variables,
          projectDir: env.projectDir,
          tempDir: env.tempDir,
          commands,
          jobStatus,
        }),
      cache: {
        cacheDir: ctx.runner.cacheDir ?? `${env.buildsDir}/../cache`,
        projectPath: payload.job_info.project_full_path ?? payload.job_info.project_name,
        projectDir: env.hostProjectDir,
        lookup,
        log,
      },
      artifacts: {
        client: ctx.client,
        jobId: payload.id,
        jobToken: payload.token,
        projectDir: env.hostProjectDir,
        lookup,
        log,
      },
    };
  }

  /** get_sources, retried GET_SOURCES_ATTEMPTS times from a fresh clone as GitLab Runner clears the tree. */
  private getSources(sc: StageContext): Promise<JobOutcome | undefined> {
    const payload = this.ctx.payload;
    const spec = sourcesSpec({
      git: payload.git_info,
      allowGitFetch: payload.allow_git_fetch,
      lookup: sc.lookup,
    });
    const attempts = attemptsFrom(sc.lookup("GET_SOURCES_ATTEMPTS"));
    return this.section("get_sources", async () => {
      let result = await sc.env.getSources(spec, this.io(sc.scriptSignal, this.deadline));
      for (let n = 2; n <= attempts && result.kind === "exited" && result.exitCode !== 0; n++) {
        this.log(`WARNING: getting sources failed; attempt ${n} of ${attempts} starts from a fresh clone`);
        const retry = { ...spec, strategy: spec.strategy === "none" ? spec.strategy : ("clone" as const) };
        result = await sc.env.getSources(retry, this.io(sc.scriptSignal, this.deadline));
      }
      return this.scriptOutcome(result);
    });
  }

  /** restore_cache and download_artifacts. */
  private async prepareWorkspace(sc: StageContext): Promise<JobOutcome | undefined> {
    const payload = this.ctx.payload;
    if (payload.cache.length > 0)
      await this.section("restore_cache", () => restoreCaches(sc.cache, payload.cache));
    if (!payload.dependencies.some((d) => d.artifacts_file !== undefined)) return undefined;
    const ok = await this.section("download_artifacts", () =>
      downloadArtifacts(sc.artifacts, payload.dependencies),
    );
    return ok ? undefined : { kind: "script_failed", exitCode: 1 };
  }

  /** step_script (before_script + script in one shell), then after_script in a fresh one. */
  private async userScripts(sc: StageContext): Promise<JobOutcome> {
    const steps = this.ctx.payload.steps;
    const script = steps.find((s) => s.name === "script")?.script ?? [];
    const result = await this.section("step_script", () =>
      sc.env.runScript(
        "step_script",
        sc.render(script, "running"),
        this.io(sc.scriptSignal, sc.scriptDeadline),
      ),
    );
    const outcome = this.scriptOutcome(result) ?? { kind: "success" };
    const after = steps.find((s) => s.name === "after_script")?.script ?? [];
    if (after.length === 0 || this.killed) return outcome;
    const timeout = seconds(sc.lookup("RUNNER_AFTER_SCRIPT_TIMEOUT")) ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_S;
    const failedWith = await this.section("after_script", async () => {
      this.log("Running after_script");
      const io = this.io(this.killSignal, Date.now() + timeout * 1000);
      const res = await sc.env.runScript("after_script", sc.render(after, ciJobStatus(outcome)), io);
      if (res.kind === "timed_out") this.log(`WARNING: after_script timed out after ${timeout}s`);
      if (res.kind !== "exited" || res.exitCode === 0) return undefined;
      if (sc.lookup("AFTER_SCRIPT_IGNORE_ERRORS") === "false") return res.exitCode;
      this.log(`WARNING: after_script failed, but job will continue unaffected: exit code ${res.exitCode}`);
      return undefined;
    });
    // AFTER_SCRIPT_IGNORE_ERRORS=false: a failing after_script fails an otherwise passing job.
    return failedWith !== undefined && outcome.kind === "success"
      ? { kind: "script_failed", exitCode: failedWith }
      : outcome;
  }

  /** archive_cache and upload_artifacts; their failures count only when the script succeeded. */
  private async keepResults(sc: StageContext, outcome: JobOutcome): Promise<JobOutcome> {
    const payload = this.ctx.payload;
    const succeeded = outcome.kind === "success";
    if (payload.cache.length > 0) {
      await this.section(succeeded ? "archive_cache" : "archive_cache_on_failure", () =>
        archiveCaches(sc.cache, payload.cache, succeeded),
      );
    }
    if (payload.artifacts.length === 0) return outcome;
    const stage = succeeded ? "upload_artifacts_on_success" : "upload_artifacts_on_failure";
    const ok = await this.section(stage, () => uploadArtifacts(sc.artifacts, payload.artifacts, succeeded));
    return !ok && succeeded ? { kind: "script_failed", exitCode: 1 } : outcome;
  }
}
