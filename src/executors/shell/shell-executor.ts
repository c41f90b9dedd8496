/**
 * The shell executor: stage scripts run as local bash (or sh) processes in a per-slot build directory
 * `<builds_dir>/<runner short token>/<slot>/<project path>` that is kept between jobs.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ShellKind, SourcesSpec, StageName } from "../../jobscript/index.js";
import { projectDirFor } from "../clone-path.js";
import type {
  Executor,
  ExecutorJob,
  ExecutorSettings,
  JobEnvironment,
  StageIo,
  StageOutcome,
} from "../types.js";
import { detectShell } from "./detect-shell.js";
import { getSources } from "./git-sources.js";
import { SlotLauncher } from "./slot-launcher.js";

class ShellJobEnvironment implements JobEnvironment {
  readonly shared = true;
  readonly hostProjectDir: string;
  private dirs: Promise<void> | undefined;

  constructor(
    readonly shell: ShellKind,
    private readonly shellBinary: string,
    private readonly launcher: SlotLauncher,
    readonly buildsDir: string,
    readonly projectDir: string,
    readonly tempDir: string,
  ) {
    this.hostProjectDir = projectDir;
  }

  getSources(spec: SourcesSpec, io: StageIo): Promise<StageOutcome> {
    return getSources({ projectDir: this.projectDir, launch: (s, i) => this.launcher.run(s, i) }, spec, io);
  }

  async runScript(stage: StageName, script: string, io: StageIo): Promise<StageOutcome> {
    // The directories are made once per job, not once per stage.
    this.dirs ??= Promise.all([
      mkdir(this.tempDir, { recursive: true }),
      mkdir(this.projectDir, { recursive: true }),
    ]).then(() => undefined);
    await this.dirs.catch((err: unknown) => {
      this.dirs = undefined;
      throw err;
    });
    const file = join(this.tempDir, `${stage}.sh`);
    // One pipe for both streams keeps stdout and stderr lines in the order the job wrote them.
    await writeFile(file, `exec 2>&1\n${script}`, { mode: 0o700 });
    return this.launcher.run({ command: this.shellBinary, args: [file], cwd: this.projectDir }, io);
  }

  async cleanup(): Promise<void> {
    // File variables may hold secrets: they never outlive the job.
    await rm(this.tempDir, { recursive: true, force: true });
  }
}

export class ShellExecutor implements Executor {
  readonly name = "shell";
  readonly runsImages = false;
  private readonly buildsDir: string;
  private readonly shell = detectShell(process.env.PATH);
  /** One launcher per slot: a slot runs one job, so one stage, at a time. */
  private readonly launchers = new Map<string, SlotLauncher>();

  private readonly customBuildDir: boolean;

  constructor(settings: ExecutorSettings) {
    this.buildsDir = resolve(settings.buildsDir ?? join(process.cwd(), "builds"));
    this.customBuildDir = settings.customBuildDir === true;
  }

  async prepare(job: ExecutorJob): Promise<JobEnvironment> {
    const projectDir = projectDirFor(job, this.buildsDir, this.customBuildDir);
    const key = `${job.runnerShortToken}/${job.slot}`;
    let launcher = this.launchers.get(key);
    if (launcher === undefined) {
      launcher = new SlotLauncher(this.shell.binary, { ...process.env, GIT_TERMINAL_PROMPT: "0" });
      this.launchers.set(key, launcher);
    }
    const tempDir = `${projectDir}.tmp`;
    return new ShellJobEnvironment(
      this.shell.kind,
      this.shell.binary,
      launcher,
      this.buildsDir,
      projectDir,
      tempDir,
    );
  }

  async close(): Promise<void> {
    for (const launcher of this.launchers.values()) launcher.close();
    this.launchers.clear();
  }
}

export function createShellExecutor(settings: ExecutorSettings): Executor {
  return new ShellExecutor(settings);
}
