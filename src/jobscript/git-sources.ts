/**
 * How a job wants its sources, from its git_info and the GIT_* variables (GitLab Runner's names and
 * defaults): GIT_STRATEGY (fetch when the coordinator allows it, else clone), GIT_DEPTH, GIT_CHECKOUT,
 * GIT_CLEAN_FLAGS.
 */
import type { GitInfo } from "../protocol/index.js";

export type GitStrategy = "clone" | "fetch" | "none";

export interface SourcesSpec {
  readonly git: GitInfo;
  readonly strategy: GitStrategy;
  /** 0 = full history. */
  readonly depth: number;
  readonly checkout: boolean;
  /** Arguments to `git clean`; empty = no clean. */
  readonly cleanFlags: readonly string[];
}

export interface SourcesInput {
  readonly git: GitInfo;
  readonly allowGitFetch: boolean;
  readonly lookup: (name: string) => string | undefined;
}

function parseStrategy(value: string | undefined, allowFetch: boolean): GitStrategy {
  switch (value) {
    case "clone":
    case "none":
      return value;
    case "fetch":
      return allowFetch ? "fetch" : "clone";
    default:
      return allowFetch ? "fetch" : "clone";
  }
}

function parseDepth(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function sourcesSpec(input: SourcesInput): SourcesSpec {
  const clean = input.lookup("GIT_CLEAN_FLAGS");
  const cleanFlags =
    clean === undefined || clean.trim() === ""
      ? ["-ffdx"]
      : clean.trim() === "none"
        ? []
        : clean.trim().split(/\s+/);
  return {
    git: input.git,
    strategy: parseStrategy(input.lookup("GIT_STRATEGY"), input.allowGitFetch),
    depth: parseDepth(input.lookup("GIT_DEPTH"), input.git.depth),
    checkout: input.lookup("GIT_CHECKOUT") !== "false",
    cleanFlags,
  };
}
