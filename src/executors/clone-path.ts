/**
 * Where a job's project directory goes: `<builds_dir>/<runner short token>/<slot>/<project path>`, or the
 * job's `GIT_CLONE_PATH` when `[runners.custom_build_dir] enabled = true` — which, as in GitLab Runner,
 * must stay inside the builds directory.
 */
import { posix } from "node:path";
import { RunfleetError } from "../errors/index.js";
import { expandVariables } from "../jobscript/index.js";
import type { ExecutorJob } from "./types.js";

/** A project path made safe as a directory path: no empty, `.` or `..` segments. */
export function safeProjectPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  return parts.length > 0 ? parts.join("/") : "project";
}

export function projectDirFor(job: ExecutorJob, buildsDir: string, customBuildDir: boolean): string {
  const info = job.payload.job_info;
  const project = safeProjectPath(info.project_full_path ?? info.project_name);
  const token = safeProjectPath(job.runnerShortToken);
  const standard = posix.join(buildsDir, token, String(job.slot), project);
  const custom = job.payload.variables.findLast((v) => v.key === "GIT_CLONE_PATH")?.value;
  if (custom === undefined || custom === "") return standard;
  if (!customBuildDir) {
    throw new RunfleetError(
      "CONFIG_INVALID",
      "the job sets GIT_CLONE_PATH but this runner does not allow custom build directories",
      {
        hint: "set `[runners.custom_build_dir] enabled = true` in the runner's config.toml",
      },
    );
  }
  const known: Record<string, string> = {
    CI_BUILDS_DIR: buildsDir,
    CI_CONCURRENT_ID: String(job.slot),
    CI_CONCURRENT_PROJECT_ID: String(job.slot),
    CI_RUNNER_SHORT_TOKEN: token,
  };
  const lookup = (name: string): string | undefined =>
    known[name] ?? job.payload.variables.findLast((v) => v.key === name)?.value;
  const path = posix.resolve(buildsDir, expandVariables(custom, lookup));
  if (!path.startsWith(`${posix.resolve(buildsDir)}/`)) {
    throw new RunfleetError(
      "CONFIG_INVALID",
      `GIT_CLONE_PATH "${custom}" resolves to ${path}, outside the builds directory ${buildsDir}`,
      {
        hint: "use a path under $CI_BUILDS_DIR",
      },
    );
  }
  return path;
}
