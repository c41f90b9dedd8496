import { userInfo } from "node:os";
import { basename } from "node:path";
import type { PipelineSource, PipelineUser, PlanContext, ProjectVariable } from "../plan/types.js";
import type { Project } from "./find-project.js";
import { git } from "./git-command.js";
import type { Snapshot } from "./snapshot.js";

const NO_SHA = "0000000000000000000000000000000000000000";

export interface ContextInput {
  readonly project: Project;
  readonly snapshot: Snapshot;
  readonly ref: string | undefined;
  readonly source: PipelineSource;
  readonly variables: Readonly<Record<string, string>>;
  /** The project's CI/CD variables (`--variables-file`). */
  readonly projectVariables?: readonly ProjectVariable[];
}

/**
 * What GitLab would know about this pipeline's trigger, read from the snapshot: the branch (or `--ref`),
 * the commit, the default branch (`origin/HEAD`, else the current branch), and the files at the commit
 * for `rules:exists`. `rules:changes` compares the snapshot with where it forked from the remote's
 * default branch (what a push of this work would bring); with no remote it is unknown — true — as for
 * a GitLab pipeline without a push diff.
 */
export async function buildPlanContext(input: ContextInput): Promise<PlanContext> {
  const { project, snapshot } = input;
  const run = (args: readonly string[], allowExitCodes: readonly number[] = []) =>
    git(["--git-dir", project.gitDir, ...args], { cwd: project.root, allowExitCodes });
  const files = (await run(["ls-tree", "-r", "-z", "--name-only", snapshot.sha])).stdout
    .split("\0")
    .filter((f) => f !== "");
  const originHead = await run(["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"], [1, 128]);
  const defaultBranch =
    originHead.exitCode === 0 && originHead.stdout.startsWith("origin/")
      ? originHead.stdout.slice("origin/".length)
      : (snapshot.branch ?? "main");
  const ref = input.ref ?? snapshot.branch ?? defaultBranch;
  const changedFiles = await changedSinceRemote(run, `refs/remotes/origin/${defaultBranch}`, snapshot.sha);
  const commit = (await run(["log", "-1", "--format=%an <%ae>%x00%B", snapshot.sha])).stdout;
  const [author = "", message = ""] = commit.split("\0");
  const projectName = basename(project.root);
  const user = pipelineUser(
    (await run(["config", "user.name"], [1])).stdout,
    (await run(["config", "user.email"], [1])).stdout,
    userInfo().username,
  );
  return {
    ref,
    refType: "branch",
    sha: snapshot.sha,
    beforeSha: snapshot.headSha !== null && snapshot.headSha !== snapshot.sha ? snapshot.headSha : NO_SHA,
    source: input.source,
    defaultBranch,
    repositoryFiles: files,
    ...(changedFiles === undefined ? {} : { changedFiles }),
    variables: input.variables,
    ...(input.projectVariables === undefined || input.projectVariables.length === 0
      ? {}
      : { projectVariables: input.projectVariables }),
    projectPath: `local/${projectName}`,
    projectName,
    commitMessage: message.trim(),
    commitAuthor: author,
    user,
  };
}

/**
 * The person running the pipeline, as git knows them: GitLab's user is whoever starts the pipeline.
 * The login is the local part of their email (GitLab usernames are not in git), else the OS account.
 */
export function pipelineUser(gitName: string, gitEmail: string, osUser: string): PipelineUser {
  const email = gitEmail.trim();
  const local = email.includes("@") ? email.slice(0, email.indexOf("@")) : "";
  const login = local !== "" ? local : osUser;
  return { login, name: gitName.trim() || login, email };
}

type GitRun = (args: readonly string[], allowExitCodes?: readonly number[]) => ReturnType<typeof git>;

async function changedSinceRemote(
  run: GitRun,
  remoteRef: string,
  sha: string,
): Promise<string[] | undefined> {
  const base = await run(["merge-base", remoteRef, sha], [1, 128]);
  if (base.exitCode !== 0 || base.stdout === "") return undefined;
  const diff = await run(["diff", "--name-only", "-z", base.stdout, sha]);
  return diff.stdout.split("\0").filter((f) => f !== "");
}
