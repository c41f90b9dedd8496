/**
 * The shell executor: stage scripts run as local bash (or sh) processes in a per-slot build directory
 * `<builds_dir>/<runner short token>/<slot>/<project path>` that is kept between jobs.
 */
import { mkdirSync } from "node:fs";
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
import { CleanCheckout } from "./clean-checkout.js";
import { detectShell } from "./detect-shell.js";
import { getSources } from "./git-sources.js";
import { SlotLauncher } from "./slot-launcher.js";
import { emptyTempDir, writeStageFile } from "./temp-dir.js";

/** What a slot keeps between its jobs. */
interface Slot {
  readonly launcher: SlotLauncher;
  readonly cleanCheckout: CleanCheckout;
}

/**
 * The file system work of a job is a handful of small synchronous calls: cheaper than a round trip
 * through libuv's thread pool for each, and a slot's next job needs none of it to have overlapped.
 */
class ShellJobEnvironment implements JobEnvironment {
  readonly shared = true;
  readonly hostProjectDir: string;
  private dirsMade = false;
  private readonly stageFiles = new Set<string>();

  constructor(
    readonly shell: ShellKind,
    private readonly shellBinary: string,
    private readonly slot: Slot,
    readonly buildsDir: string,
    readonly projectDir: string,
    readonly tempDir: string,
  ) {
    this.hostProjectDir = projectDir;
  }

  getSources(spec: SourcesSpec, io: StageIo): Promise<StageOutcome> {
    const { launcher, cleanCheckout } = this.slot;
    return getSources(
      { projectDir: this.projectDir, launch: (s, i) => launcher.run(s, i), cleanCheckout },
      spec,
      io,
    );
  }

  async runScript(stage: StageName, script: string, io: StageIo): Promise<StageOutcome> {
    // The directories are made once per job, not once per stage.
    if (!this.dirsMade) {
      mkdirSync(this.projectDir, { recursive: true });
      mkdirSync(this.tempDir, { recursive: true });
      this.dirsMade = true;
    }
    const name = `${stage}.sh`;
    this.stageFiles.add(name);
    // One pipe for both streams keeps stdout and stderr lines in the order the job wrote them.
    const file = writeStageFile(this.tempDir, name, `exec 2>&1\n${script}`);
    return this.slot.launcher.run({ command: this.shellBinary, args: [file], cwd: this.projectDir }, io);
  }

  async cleanup(): Promise<void> {
    // File variables and stage scripts may hold secrets: they never outlive the job.
    emptyTempDir(this.tempDir, this.stageFiles);
  }
}

export class ShellExecutor implements Executor {
  readonly name = "shell";
  readonly runsImages = false;
  private readonly buildsDir: string;
  private readonly shell = detectShell(process.env.PATH);
  /** One launcher per slot: a slot runs one job, so one stage, at a time. */
  private readonly slots = new Map<string, Slot>();

  private readonly customBuildDir: boolean;

  constructor(settings: ExecutorSettings) {
    this.buildsDir = resolve(settings.buildsDir ?? join(process.cwd(), "builds"));
    this.customBuildDir = settings.customBuildDir === true;
  }

  async prepare(job: ExecutorJob): Promise<JobEnvironment> {
    const projectDir = projectDirFor(job, this.buildsDir, this.customBuildDir);
    const key = `${job.runnerShortToken}/${job.slot}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = {
        launcher: new SlotLauncher(this.shell.binary, { ...process.env, GIT_TERMINAL_PROMPT: "0" }),
        cleanCheckout: new CleanCheckout(),
      };
      this.slots.set(key, slot);
    }
    const tempDir = `${projectDir}.tmp`;
    return new ShellJobEnvironment(
      this.shell.kind,
      this.shell.binary,
      slot,
      this.buildsDir,
      projectDir,
      tempDir,
    );
  }

  async close(): Promise<void> {
    for (const slot of this.slots.values()) slot.launcher.close();
    this.slots.clear();
  }
}

export function createShellExecutor(settings: ExecutorSettings): Executor {
  return new ShellExecutor(settings);
}
