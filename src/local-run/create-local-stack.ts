import { join } from "node:path";
import { type ChildPlanner, Coordinator } from "../coordinator/coordinator.js";
import { RunnerManager, type RunnerManagerConfig } from "../runner/index.js";
import type { LocalStack, StackEvent, StackOptions, SubmitInput } from "./local-stack.js";
import { planChildFromArtifact } from "./plan-child.js";

/**
 * Starts the coordinator on 127.0.0.1:0 with its SQLite file under `.runfleet/`, registers the project
 * and a runner token, and starts a runner manager that reaches the coordinator over HTTP like any
 * remote runner: one protocol path, no shortcuts.
 */
export async function createLocalStack(options: StackOptions): Promise<LocalStack> {
  const { project } = options;
  const childPlanner: ChildPlanner = (input) => planChildFromArtifact(project, input);
  const coordinator = await Coordinator.start({
    dbPath: join(project.stateDir, "runfleet.db"),
    dataDir: join(project.stateDir, "data"),
    host: "127.0.0.1",
    port: 0,
    childPlanner,
  });
  let manager: RunnerManager | null = null;
  try {
    const registered = await coordinator.registerProject({
      // Outside git the private bare repository is the one the coordinator serves.
      repoDir: project.kind === "git" ? project.root : project.gitDir,
      path: `local/${project.root.split("/").pop() ?? "project"}`,
    });
    const { token } = await coordinator.createRunnerToken({
      description: "runfleet run",
      projectId: registered.id,
    });
    manager = new RunnerManager({ config: runnerConfig(coordinator.url, token, options) });
    manager.start();
    return new CoordinatorStack(coordinator, manager, registered.id);
  } catch (err) {
    await manager?.stop().catch(() => undefined);
    await coordinator.stop();
    throw err;
  }
}

function runnerConfig(url: string, token: string, options: StackOptions): RunnerManagerConfig {
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
        executor: options.executor,
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

  constructor(
    private readonly coordinator: Coordinator,
    private readonly manager: RunnerManager,
    private readonly projectId: number,
  ) {}

  get url(): string {
    return this.coordinator.url;
  }

  async submit(input: SubmitInput, listener: (event: StackEvent) => void) {
    this.unsubscribe = this.coordinator.subscribe(listener);
    return this.coordinator.submitPipeline({
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
  }

  readTrace(jobId: number): Promise<string> {
    return this.coordinator.readTrace(jobId);
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
      await this.coordinator.stop();
    })();
    return this.stopping;
  }
}
