import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Project, STATE_DIR_NAME } from "./find-project.js";
import { type GitOptions, git } from "./git-command.js";

/** Private refs of run snapshots; the coordinator serves jobs from these, the user's refs stay untouched. */
export const SNAPSHOT_REF_PREFIX = "refs/runfleet/runs/";
/** Older snapshot refs are deleted so a busy project does not collect refs forever. */
const SNAPSHOTS_KEPT = 20;

export interface Snapshot {
  /** The commit the pipeline runs on: HEAD itself when the work tree is clean. */
  readonly sha: string;
  /** HEAD when there is one: the snapshot's parent, `before_sha` of the pipeline. */
  readonly headSha: string | null;
  readonly ref: string;
  /** The checked-out branch; null when HEAD is detached or the project is not a git repository. */
  readonly branch: string | null;
  /** Whether uncommitted or untracked files made the snapshot differ from HEAD. */
  readonly dirty: boolean;
}

const FALLBACK_IDENTITY: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: "Runfleet",
  GIT_AUTHOR_EMAIL: "runfleet@localhost",
  GIT_COMMITTER_NAME: "Runfleet",
  GIT_COMMITTER_EMAIL: "runfleet@localhost",
};

/**
 * Records the work tree as it is now — uncommitted and untracked-but-not-ignored files included —
 * as a commit under a private ref. Only plumbing on a temporary index is used, so the user's branch,
 * HEAD, index and stash are never touched, and `.runfleet/` never enters the snapshot.
 */
export async function snapshotProject(project: Project, runId: string): Promise<Snapshot> {
  const tmpDir = join(project.stateDir, "tmp");
  await mkdir(tmpDir, { recursive: true });
  const indexFile = join(tmpDir, `index-${runId}`);
  const base = ["--git-dir", project.gitDir, "--work-tree", project.root];
  const run = (args: readonly string[], extra: Partial<GitOptions> = {}) =>
    git([...base, ...args], {
      cwd: project.root,
      ...extra,
      env: { GIT_INDEX_FILE: indexFile, ...extra.env },
    });
  try {
    const head = await run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], { allowExitCodes: [1] });
    const headSha = head.exitCode === 0 && head.stdout !== "" ? head.stdout : null;
    await run(headSha === null ? ["read-tree", "--empty"] : ["read-tree", headSha]);
    // Git refuses an exclude pathspec naming an ignored path, and an ignored `.runfleet/` needs none.
    const ignored = await run(["check-ignore", "-q", "--no-index", `${STATE_DIR_NAME}/`], {
      allowExitCodes: [1],
    });
    const exclude = ignored.exitCode === 0 ? [] : [`:(top,exclude)${STATE_DIR_NAME}`];
    await run(["add", "-A", "--", ".", ...exclude]);
    // A `.runfleet/` committed by mistake must not reach jobs either.
    await run(["rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", `:(top)${STATE_DIR_NAME}`]);
    const tree = (await run(["write-tree"])).stdout;
    const headTree = headSha === null ? null : (await run(["rev-parse", `${headSha}^{tree}`])).stdout;
    const dirty = tree !== headTree;
    const sha =
      headSha !== null && !dirty
        ? headSha
        : await commitTree(run, tree, headSha, `runfleet run ${runId}: snapshot of the work tree`);
    const ref = `${SNAPSHOT_REF_PREFIX}${runId}`;
    await run(["update-ref", ref, sha]);
    await pruneSnapshots(run);
    const branch = await run(["symbolic-ref", "-q", "--short", "HEAD"], { allowExitCodes: [1] });
    return {
      sha,
      headSha,
      ref,
      branch: project.kind === "git" && branch.exitCode === 0 ? branch.stdout : null,
      dirty,
    };
  } finally {
    await rm(indexFile, { force: true });
  }
}

type GitRun = (args: readonly string[], extra?: Partial<GitOptions>) => ReturnType<typeof git>;

async function commitTree(
  run: GitRun,
  tree: string,
  parent: string | null,
  message: string,
): Promise<string> {
  // A machine with no git identity configured must still be able to run pipelines.
  const ident = await run(["var", "GIT_COMMITTER_IDENT"], { allowExitCodes: [128] });
  const env = ident.exitCode === 0 ? {} : FALLBACK_IDENTITY;
  const parentArgs = parent === null ? [] : ["-p", parent];
  return (await run(["commit-tree", tree, ...parentArgs, "-m", message], { env })).stdout;
}

async function pruneSnapshots(run: GitRun): Promise<void> {
  const refs = (
    await run(["for-each-ref", "--sort=refname", "--format=%(refname)", SNAPSHOT_REF_PREFIX])
  ).stdout
    .split("\n")
    .filter((r) => r !== "");
  const stale = refs.slice(0, Math.max(0, refs.length - SNAPSHOTS_KEPT));
  for (const ref of stale) await run(["update-ref", "-d", ref]);
}
