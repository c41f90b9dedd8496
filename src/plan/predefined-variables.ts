import type { PlanContext } from "./types.js";

/**
 * The predefined `CI_*` variables GitLab knows when it creates a pipeline — the ones `rules:if` and
 * `workflow:rules` can test. Job-specific ones (`CI_JOB_NAME`, `CI_NODE_*`) are added per job.
 */
export function predefinedVariables(context: PlanContext): Record<string, string> {
  const vars: Record<string, string> = {
    CI: "true",
    GITLAB_CI: "true",
    CI_SERVER: "yes",
    CI_COMMIT_SHA: context.sha,
    CI_COMMIT_SHORT_SHA: context.sha.slice(0, 8),
    CI_COMMIT_BEFORE_SHA: context.beforeSha,
    CI_COMMIT_REF_NAME: context.ref,
    CI_COMMIT_REF_SLUG: slugify(context.ref),
    CI_DEFAULT_BRANCH: context.defaultBranch,
    CI_PIPELINE_SOURCE: context.source,
    CI_PROJECT_PATH: context.projectPath,
    CI_PROJECT_PATH_SLUG: slugify(context.projectPath),
    CI_PROJECT_NAME: context.projectName ?? lastSegment(context.projectPath),
    CI_PROJECT_NAMESPACE: namespaceOf(context.projectPath),
    CI_PROJECT_ROOT_NAMESPACE: context.projectPath.split("/")[0] ?? "",
  };
  if (context.refType === "tag") {
    vars.CI_COMMIT_TAG = context.ref;
  } else if (context.source !== "merge_request_event") {
    // GitLab leaves CI_COMMIT_BRANCH unset in merge-request pipelines: rules use it to tell them apart.
    vars.CI_COMMIT_BRANCH = context.ref;
  }
  if (context.commitMessage !== undefined) {
    const [title = "", ...rest] = context.commitMessage.split("\n");
    vars.CI_COMMIT_MESSAGE = context.commitMessage;
    vars.CI_COMMIT_TITLE = title;
    vars.CI_COMMIT_DESCRIPTION = rest.join("\n").replace(/^\n+/, "");
  }
  if (context.commitAuthor !== undefined) vars.CI_COMMIT_AUTHOR = context.commitAuthor;
  if (context.user !== undefined) {
    vars.GITLAB_USER_LOGIN = context.user.login;
    vars.GITLAB_USER_NAME = context.user.name;
    vars.GITLAB_USER_EMAIL = context.user.email;
  }
  if (context.source === "trigger") vars.CI_PIPELINE_TRIGGERED = "true";
  const mr = context.mergeRequest;
  if (context.source === "merge_request_event" && mr !== undefined) {
    vars.CI_MERGE_REQUEST_IID = String(mr.iid);
    vars.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME = mr.sourceBranch;
    vars.CI_MERGE_REQUEST_TARGET_BRANCH_NAME = mr.targetBranch;
    vars.CI_MERGE_REQUEST_EVENT_TYPE = "detached";
    vars.CI_MERGE_REQUEST_PROJECT_PATH = context.projectPath;
    vars.CI_MERGE_REQUEST_SOURCE_PROJECT_PATH = context.projectPath;
    vars.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA = context.sha;
    if (mr.title !== undefined) vars.CI_MERGE_REQUEST_TITLE = mr.title;
    if (mr.labels !== undefined) vars.CI_MERGE_REQUEST_LABELS = mr.labels.join(",");
    if (mr.diffBaseSha !== undefined) vars.CI_MERGE_REQUEST_DIFF_BASE_SHA = mr.diffBaseSha;
  }
  return vars;
}

/** GitLab's slug: lower-cased, every run of other characters → `-`, at most 63, no edge dashes. */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

function lastSegment(path: string): string {
  const parts = path.split("/");
  return parts[parts.length - 1] ?? path;
}

function namespaceOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index < 0 ? "" : path.slice(0, index);
}
