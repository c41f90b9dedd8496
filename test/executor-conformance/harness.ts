/**
 * The real path a job takes, for the conformance suite: a coordinator on 127.0.0.1 (SQLite, a real git
 * repository served over smart HTTP), a runner manager talking to it over HTTP, and the executor under
 * test. Pipelines are submitted to the coordinator and awaited to their end.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMPTY_SPEC, submittedJob } from "../../src/coordinator/testing/job-fixtures.js";
import { startTestCoordinator, type TestSetup } from "../../src/coordinator/testing/test-coordinator.js";
import type { JobRecord, JobScriptSpec, PipelineRecord, SubmittedJob } from "../../src/coordinator/types.js";
import type { Executor, ExecutorSettings } from "../../src/executors/index.js";
import { RunnerManager, type RunnerManagerConfig } from "../../src/runner/index.js";

export interface ConformanceTarget {
  /** Name shown in the suite title. */
  readonly name: string;
  /** False (after requireSuite has said why) when the executor's system component is missing. */
  readonly available: () => boolean;
  readonly create: (settings: ExecutorSettings) => Executor;
  /** The job image for executors that need one; the shell executor ignores it. */
  readonly image?: string;
}

export interface JobSpec extends Partial<Omit<JobScriptSpec, "image">> {
  readonly name: string;
  readonly stage?: string;
  readonly timeoutSeconds?: number;
  readonly needs?: SubmittedJob["needs"];
  readonly dependencies?: SubmittedJob["dependencies"];
  readonly when?: SubmittedJob["when"];
}

export interface PipelineVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean;
  readonly file?: boolean;
  readonly raw?: boolean;
}

export interface FinishedJob {
  readonly record: JobRecord;
  readonly trace: string;
}

export interface PipelineResult {
  readonly pipeline: PipelineRecord;
  readonly jobs: Record<string, FinishedJob>;
}

const FINISHED = new Set(["success", "failed", "canceled", "skipped"]);

export class ConformanceHarness {
  private constructor(
    readonly setup: TestSetup,
    readonly manager: RunnerManager,
    readonly buildsDir: string,
    private readonly target: ConformanceTarget,
  ) {}

  static async start(target: ConformanceTarget, concurrent = 2): Promise<ConformanceHarness> {
    const setup = await startTestCoordinator({ longPollMs: 1000, traceUpdateIntervalSeconds: 1 });
    // A second tracked file the clean-checkout scenario modifies.
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    };
    writeFileSync(join(setup.repoDir, ".gitignore"), "ignored/\n");
    execFileSync("git", ["-C", setup.repoDir, "add", ".gitignore"], { env: gitEnv });
    execFileSync("git", ["-C", setup.repoDir, "commit", "-qm", "ignore"], { env: gitEnv });
    const buildsDir = mkdtempSync(join(tmpdir(), "runfleet-conformance-"));
    const config: RunnerManagerConfig = {
      concurrent,
      checkInterval: 1,
      logLevel: "error",
      runners: [
        {
          name: `conformance-${target.name}`,
          url: setup.coordinator.url,
          token: setup.runnerToken,
          executor: target.name,
          limit: 0,
          requestConcurrency: 1,
          buildsDir: join(buildsDir, "builds"),
          cacheDir: join(buildsDir, "cache"),
          environment: ["RUNNER_ENV_VAR=from-runner"],
          outputLimitKb: 4096,
          customBuildDirEnabled: true,
          cache: {},
          executorSection: {},
        },
      ],
    };
    const manager = new RunnerManager({
      config,
      traceIntervalMs: 200,
      log: () => undefined,
      executorFor: (entry) =>
        target.create({
          buildsDir: entry.buildsDir,
          customBuildDir: entry.customBuildDirEnabled,
          section: entry.executorSection,
        }),
    });
    manager.start();
    return new ConformanceHarness(setup, manager, buildsDir, target);
  }

  get sha(): string {
    return execFileSync("git", ["-C", this.setup.repoDir, "rev-parse", "HEAD"]).toString().trim();
  }

  async run(
    stages: readonly string[],
    jobs: readonly JobSpec[],
    variables: PipelineVariable[] = [],
  ): Promise<PipelineResult> {
    return this.wait(await this.submit(stages, jobs, variables));
  }

  /** Submits a pipeline and returns its id without waiting. */
  async submit(
    stages: readonly string[],
    jobs: readonly JobSpec[],
    variables: PipelineVariable[] = [],
  ): Promise<number> {
    const submitted = jobs.map((j) =>
      submittedJob(j.name, {
        stage: j.stage ?? stages[0] ?? "test",
        timeoutSeconds: j.timeoutSeconds ?? 120,
        needs: j.needs ?? null,
        dependencies: j.dependencies ?? null,
        when: j.when ?? "on_success",
        spec: {
          ...EMPTY_SPEC,
          beforeScript: j.beforeScript ?? [],
          script: j.script ?? ["true"],
          afterScript: j.afterScript ?? [],
          artifacts: j.artifacts ?? [],
          cache: j.cache ?? [],
          variables: j.variables ?? [],
          image: this.target.image ? { name: this.target.image } : null,
        },
      }),
    );
    const pipeline = await this.setup.coordinator.submitPipeline({
      projectId: this.setup.project.id,
      commit: { ref: "main", sha: this.sha },
      plan: { stages, variables, jobs: submitted },
    });
    return pipeline.id;
  }

  async wait(pipelineId: number, timeoutMs = 60_000): Promise<PipelineResult> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const pipeline = await this.setup.coordinator.getPipeline(pipelineId);
      if (pipeline && FINISHED.has(pipeline.status)) {
        const records = await this.setup.coordinator.listJobs(pipelineId);
        const jobs: Record<string, FinishedJob> = {};
        for (const record of records)
          jobs[record.name] = { record, trace: await this.setup.coordinator.readTrace(record.id) };
        return { pipeline, jobs };
      }
      if (Date.now() > until)
        throw new Error(
          `pipeline ${pipelineId} did not finish in ${timeoutMs} ms (status ${pipeline?.status})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the named job of a pipeline runs; returns its id. */
  async waitForRunning(pipelineId: number, name: string, timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const job = (await this.setup.coordinator.listJobs(pipelineId)).find((j) => j.name === name);
      if (job?.status === "running") return job.id;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${name} of pipeline ${pipelineId} never started`);
  }

  async stop(): Promise<void> {
    await this.manager.stop();
    await this.setup.cleanup();
    rmSync(this.buildsDir, { recursive: true, force: true });
  }
}

/** A job's output lines without ANSI colours and section markers. */
export function plain(trace: string): string {
  const esc = String.fromCharCode(27);
  return trace
    .replace(new RegExp(`section_(start|end):\\d+:[^\\r\\n]*\\r${esc}\\[0K`, "g"), "")
    .replace(new RegExp(`${esc}\\[[0-9;]*[A-Za-z]`, "g"), "");
}
