import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { RunfleetError } from "../errors/index.js";
import { git } from "./git-command.js";

/** Where Runfleet keeps its own state inside a project: database, logs, snapshots of non-git folders. */
export const STATE_DIR_NAME = ".runfleet";

/**
 * The project a local run works on. Inside a git repository the repository is the project, whatever
 * subdirectory the run starts from; outside git the directory itself is, backed by a private
 * repository under `.runfleet/repo.git` so both kinds are snapshotted and served the same way.
 */
export interface Project {
  readonly kind: "git" | "directory";
  /** The work tree: what the pipeline's jobs check out. */
  readonly root: string;
  /** The git directory holding snapshots (the user's own, or `.runfleet/repo.git`). */
  readonly gitDir: string;
  /** `<root>/.runfleet`. */
  readonly stateDir: string;
}

export async function findProject(cwd: string): Promise<Project> {
  const dir = resolve(cwd);
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new RunfleetError("USAGE", `${dir} is not a directory`, {
      hint: "pass an existing directory to --cwd",
    });
  }
  const probe = await git(["rev-parse", "--is-bare-repository", "--show-toplevel", "--absolute-git-dir"], {
    cwd: dir,
    allowExitCodes: [128],
  });
  const [bare, root, gitDir] = probe.stdout.split("\n");
  if (probe.exitCode === 0 && bare === "false" && root && gitDir) {
    return { kind: "git", root, gitDir, stateDir: join(root, STATE_DIR_NAME) };
  }
  if (probe.exitCode === 0 && bare === "true") {
    throw new RunfleetError("USAGE", `${dir} is inside a bare git repository: there is no work tree to run`, {
      hint: "run from a checkout (git clone or git worktree add) of the repository",
    });
  }
  const stateDir = join(dir, STATE_DIR_NAME);
  return { kind: "directory", root: dir, gitDir: await ensurePrivateRepository(stateDir), stateDir };
}

/** Creates `.runfleet/repo.git` once; its exclude file keeps `.runfleet/` itself out of every snapshot. */
async function ensurePrivateRepository(stateDir: string): Promise<string> {
  const gitDir = join(stateDir, "repo.git");
  const exists = await stat(join(gitDir, "HEAD")).catch(() => undefined);
  if (exists === undefined) {
    await mkdir(stateDir, { recursive: true });
    await git(["init", "-q", "--bare", "-b", "main", gitDir], { cwd: stateDir });
    await mkdir(join(gitDir, "info"), { recursive: true });
    await writeFile(join(gitDir, "info", "exclude"), `/${STATE_DIR_NAME}/\n`);
  }
  return gitDir;
}
