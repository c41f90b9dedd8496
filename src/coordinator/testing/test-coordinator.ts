/** A coordinator on 127.0.0.1:0 over a temp SQLite file and a temp git repository, for tests. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Coordinator, type CoordinatorOptions } from "../coordinator.js";
import type { PipelineSubmission, ProjectRecord } from "../types.js";

export interface TestSetup {
  readonly dir: string;
  readonly repoDir: string;
  readonly sha: string;
  coordinator: Coordinator;
  project: ProjectRecord;
  runnerToken: string;
  options: CoordinatorOptions;
  restart(): Promise<void>;
  submit(submission: PipelineSubmission): Promise<number>;
  cleanup(): Promise<void>;
}

export function makeRepo(dir: string): { repoDir: string; sha: string } {
  const repoDir = join(dir, "repo");
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repoDir, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      },
    })
      .toString()
      .trim();
  execFileSync("git", ["init", "-q", "-b", "main", repoDir]);
  writeFileSync(join(repoDir, "README.md"), "hello\n");
  git("add", "README.md");
  git("commit", "-q", "-m", "first");
  return { repoDir, sha: git("rev-parse", "HEAD") };
}

export async function startTestCoordinator(overrides: Partial<CoordinatorOptions> = {}): Promise<TestSetup> {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-coord-"));
  const { repoDir, sha } = makeRepo(dir);
  const options: CoordinatorOptions = {
    dbPath: join(dir, "coordinator.db"),
    dataDir: join(dir, "data"),
    longPollMs: 2000,
    watchdogIntervalMs: 50,
    ...overrides,
  };
  const coordinator = await Coordinator.start(options);
  const project = await coordinator.registerProject({ repoDir, path: "group/app" });
  const { token } = await coordinator.createRunnerToken();
  const setup: TestSetup = {
    dir,
    repoDir,
    sha,
    coordinator,
    project,
    runnerToken: token,
    options,
    async restart() {
      await setup.coordinator.stop();
      setup.coordinator = await Coordinator.start({
        ...setup.options,
        port: new URL(setup.coordinator.url).port ? Number(new URL(setup.coordinator.url).port) : 0,
      });
    },
    async submit(submission) {
      const p = await setup.coordinator.submitPipeline({
        projectId: project.id,
        commit: { ref: "main", sha },
        plan: submission,
      });
      return p.id;
    },
    async cleanup() {
      await setup.coordinator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return setup;
}
