/** The few git operations the coordinator does on a project repository: find it, pin pipeline refs. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { RunfleetError } from "../errors/index.js";

const run = promisify(execFile);

async function git(args: readonly string[]): Promise<string> {
  const { stdout } = await run("git", [...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

export async function absoluteGitDir(repoDir: string): Promise<string> {
  try {
    return await git(["-C", repoDir, "rev-parse", "--absolute-git-dir"]);
  } catch (cause) {
    throw new RunfleetError("NOT_FOUND", `${repoDir} is not a git repository`, {
      cause,
      hint: "register the directory that holds the project's .git",
    });
  }
}

/** `refs/pipelines/<id>` → the pipeline's commit, as GitLab keeps it, so jobs fetch exactly that commit. */
export async function pinPipelineRef(gitDir: string, pipelineId: number, sha: string): Promise<void> {
  try {
    await git(["--git-dir", gitDir, "update-ref", `refs/pipelines/${pipelineId}`, sha]);
  } catch (cause) {
    throw new RunfleetError("NOT_FOUND", `commit ${sha} is not in the project repository`, { cause });
  }
}

export async function refExists(gitDir: string, ref: string, refType: "branch" | "tag"): Promise<boolean> {
  const full = `refs/${refType === "tag" ? "tags" : "heads"}/${ref}`;
  try {
    await git(["--git-dir", gitDir, "show-ref", "--verify", "--quiet", full]);
    return true;
  } catch {
    return false;
  }
}

/**
 * `cache:key:files`: a key that changes when any of the files changes at the commit, computed as
 * GitLab computes it, prefixed as asked.
 */
export async function cacheKeyForFiles(
  gitDir: string,
  sha: string,
  files: readonly string[],
  prefix: string | undefined,
): Promise<string> {
  // GitLab's key: the blob ids of the files that exist at the commit, sorted and unique, joined with
  // "-" and SHA-1'd; "default" when none exists. Paths are taken literally, in any order.
  const ids = new Set<string>();
  for (const file of files) {
    try {
      ids.add(await git(["--git-dir", gitDir, "rev-parse", `${sha}:${file.replace(/^\.\//, "")}`]));
    } catch {
      // A missing file simply does not contribute, as in GitLab.
    }
  }
  const digest =
    ids.size === 0
      ? "default"
      : createHash("sha1")
          .update([...ids].sort().join("-"))
          .digest("hex");
  return prefix ? `${prefix}-${digest}` : digest;
}
