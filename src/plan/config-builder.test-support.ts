import type { CiConfig, CiJob, CiVariables, Rule } from "../config/types.js";
import type { PlanContext } from "./types.js";

/** Builds typed configs for planner unit tests, the way the loader would hand them over. */
const location = { file: ".gitlab-ci.yml", line: 1, column: 1 };

export function job(name: string, fields: Partial<CiJob> = {}): CiJob {
  return {
    name,
    stage: "test",
    beforeScript: [],
    script: ["echo hi"],
    afterScript: [],
    services: [],
    tags: [],
    variables: {},
    inheritVariables: true,
    when: "on_success",
    cache: [],
    location,
    ...fields,
  };
}

export function rule(fields: Omit<Rule, "location">): Rule {
  return { ...fields, location };
}

export function vars(values: Record<string, string>): CiVariables {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, expand: true }]));
}

export function config(jobs: CiJob[], fields: Partial<CiConfig> = {}): CiConfig {
  return {
    file: ".gitlab-ci.yml",
    files: [".gitlab-ci.yml"],
    stages: [".pre", "build", "test", "deploy", ".post"],
    variables: {},
    jobs,
    ...fields,
  };
}

export function context(fields: Partial<PlanContext> = {}): PlanContext {
  return {
    ref: "main",
    refType: "branch",
    sha: "0123456789abcdef0123456789abcdef01234567",
    beforeSha: "0000000000000000000000000000000000000000",
    source: "push",
    defaultBranch: "main",
    repositoryFiles: [],
    variables: {},
    projectPath: "group/project",
    ...fields,
  };
}
