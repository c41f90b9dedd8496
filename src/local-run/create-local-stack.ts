import { join } from "node:path";
import { type ChildPlanner, Coordinator } from "../coordinator/coordinator.js";
import { planChildPipeline } from "../coordinator/dynamic-child-planner.js";
import { createLocalDockerExecutor, ImageRoutedExecutor } from "../executors/docker/index.js";
import { createExecutor, type Executor } from "../executors/index.js";
import { RunnerManager, type RunnerManagerConfig } from "../runner/index.js";
import type { LocalStack, StackEvent, StackExecutor, StackOptions, SubmitInput } from "./local-stack.js";
import { RunLock } from "./run-lock.js";

/**
 * Starts the coordinator on 127.0.0.1:0 with its SQLite file under `.runfleet/`, registers the project
 * and a runner token, and starts a runner manager that reaches the coordinator over HTTP like any
 * remote runner: one protocol path, no shortcuts.
 */
export async function createLocalStack(options: StackOptions): Promise<LocalStack> {
  const { project } = options;
  const lock = await RunLock.acquire(project.stateDir);
  // Includes of a generated child are read from the work tree, as the parent's were.
  const childPlanner: ChildPlanner = (input) =>
    planChildPipeline({ ...input, projectDir: project.root, gitDir: project.gitDir });
  const coordinator = await Coordinator.start({
    dbPath: join(project.stateDir, "runfleet.db"),
    dataDir: join(project.stateDir, "data"),
    host: "127.0.0.1",
    port: 0,
    childPlanner,
  }).catch(async (err: unknown) => {
    await lock.release();
    throw err;
  });
  let manager: RunnerManager | null = null;
  let local: LocalExecutor | null = null;
  try {
    // A run killed earlier left its pipeline active in the database: it must not take this run's slots.
    const leftover = await RunLock.leftoverPipeline(project.stateDir);
    if (leftover !== undefined) await coordinator.cancelPipeline(leftover).catch(() => undefined);
    const registered = await coordinator.registerProject({
      // Outside git the private bare repository is the one the coordinator serves.
      repoDir: project.kind === "git" ? project.root : project.gitDir,
      path: `local/${project.root.split("/").pop() ?? "project"}`,
    });
    const { token } = await coordinator.createRunnerToken({
      description: "runfleet run",
      projectId: registered.id,
    });
    const built = localExecutor(options.executor, project.stateDir);
    local = built;
    manager = new RunnerManager({
      config: runnerConfig(coordinator.url, token, options, built.name),
      executorFor: () => built.executor,
    });
    manager.start();
    return new CoordinatorStack(coordinator, manager, registered.id, lock, project.stateDir);
  } catch (err) {
    if (manager !== null) await manager.stop().catch(() => undefined);
    else await local?.executor.close?.().catch(() => undefined);
    await coordinator.stop();
    await lock.release();
    throw err;
  }
}

interface LocalExecutor {
  /** The entry's `executor`, as runner info tells the coordinator. */
  readonly name: "docker" | "shell";
  readonly executor: Executor;
}

function localExecutor(choice: StackExecutor, stateDir: string): LocalExecutor {
  const shell = (): Executor =>
    createExecutor("shell", { buildsDir: join(stateDir, "builds"), customBuildDir: false, section: {} });
  // Containers write their tree as the image's user: a tree of its own keeps shell jobs from meeting
  // files they cannot change (and the other way round).
  const docker = (section: Record<string, unknown>): Executor =>
    createLocalDockerExecutor({ buildsDir: join(stateDir, "builds-docker"), section });
  switch (choice.kind) {
    case "shell":
      return { name: "shell", executor: shell() };
    case "image-routed":
      return { name: "docker", executor: new ImageRoutedExecutor(docker({}), shell()) };
    case "docker":
      return {
        name: "docker",
        executor: docker(choice.defaultImage === undefined ? {} : { image: choice.defaultImage }),
      };
    default: {
      const never: never = choice;
      return never;
    }
  }
}

function runnerConfig(
  url: string,
  token: string,
  options: StackOptions,
  executor: LocalExecutor["name"],
): RunnerManagerConfig {
  const n = options.concurrency;
  return {
    concurrent: n,
    // The local coordinator long-polls: a job is handed out the moment it is queued.
    checkInterval: 1,
    logLevel: "warn",
    runners: [
      {
        name: "runfleet-run",
        url,
        token,
        executor,
        limit: n,
        // Enough requests in flight that a freed slot is refilled without waiting for another poll.
        requestConcurrency: Math.min(n, 8),
        buildsDir: join(options.project.stateDir, "builds"),
        cacheDir: join(options.project.stateDir, "cache"),
        environment: [],
        outputLimitKb: 4096,
        customBuildDirEnabled: false,
        cache: {},
        executorSection: {},
      },
    ],
  };
}

class CoordinatorStack implements LocalStack {
  private unsubscribe: () => void = () => {};
  private stopping: Promise<void> | null = null;
  private pipelineId: number | undefined;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly manager: RunnerManager,
    private readonly projectId: number,
    private readonly lock: RunLock,
    private readonly stateDir: string,
  ) {}

  get url(): string {
    return this.coordinator.url;
  }

  async submit(input: SubmitInput, listener: (event: StackEvent) => void) {
    this.unsubscribe = this.coordinator.subscribe(listener);
    const pipeline = await this.coordinator.submitPipeline({
      projectId: this.projectId,
      commit: {
        ref: input.ref,
        sha: input.snapshot.sha,
        ...(input.snapshot.headSha === null || input.snapshot.headSha === input.snapshot.sha
          ? {}
          : { beforeSha: input.snapshot.headSha }),
        refType: "branch",
        source: input.source,
        message: input.commitMessage,
      },
      plan: input.plan,
    });
    this.pipelineId = pipeline.id;
    await this.lock.rememberPipeline(this.stateDir, pipeline.id);
    return pipeline;
  }

  readTrace(jobId: number): Promise<string> {
    return this.coordinator.readTrace(jobId);
  }

  getPipeline(pipelineId: number) {
    return this.coordinator.getPipeline(pipelineId);
  }

  listJobs(pipelineId: number) {
    return this.coordinator.listJobs(pipelineId);
  }

  async cancel(pipelineId: number): Promise<void> {
    await this.coordinator.cancelPipeline(pipelineId);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Nothing runs any more once the pipeline ended; after a second Ctrl-C, this kills what still does.
      await this.manager.stop();
      this.unsubscribe();
      const id = this.pipelineId;
      const status = id === undefined ? undefined : (await this.coordinator.getPipeline(id))?.status;
      const active = status === "created" || status === "pending" || status === "running";
      await this.coordinator.stop();
      if (!active) await this.lock.rememberPipeline(this.stateDir, undefined);
      await this.lock.release();
    })();
    return this.stopping;
  }
}
