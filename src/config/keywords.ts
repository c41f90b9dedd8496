/** The keywords GitLab knows at each level; anything else is a typo (or, at the top level, a job). */
export const GLOBAL_KEYWORDS: ReadonlySet<string> = new Set([
  "default",
  "include",
  "stages",
  "variables",
  "workflow",
  // Deprecated top-level forms of `default:` keys, still accepted by GitLab.
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
]);

export const JOB_KEYWORDS: ReadonlySet<string> = new Set([
  "after_script",
  "allow_failure",
  "artifacts",
  "before_script",
  "cache",
  "coverage",
  "dast_configuration",
  "dependencies",
  "environment",
  "except",
  "extends",
  "hooks",
  "id_tokens",
  "identity",
  "image",
  "inherit",
  "interruptible",
  "manual_confirmation",
  "needs",
  "only",
  "pages",
  "parallel",
  "release",
  "resource_group",
  "retry",
  "rules",
  "run",
  "script",
  "secrets",
  "services",
  "stage",
  "start_in",
  "tags",
  "timeout",
  "trigger",
  "variables",
  "when",
]);

/** Keywords a job may hold but Runfleet does not act on; accepted with a warning. */
export const IGNORED_JOB_KEYWORDS: ReadonlySet<string> = new Set([
  "dast_configuration",
  "hooks",
  "identity",
  "manual_confirmation",
  "pages",
  "release",
  "run",
]);

export const DEFAULT_KEYWORDS: ReadonlySet<string> = new Set([
  "after_script",
  "artifacts",
  "before_script",
  "cache",
  "hooks",
  "id_tokens",
  "image",
  "interruptible",
  "retry",
  "services",
  "tags",
  "timeout",
]);

/** Keywords a trigger (bridge) job may use; GitLab rejects the rest. */
export const TRIGGER_JOB_KEYWORDS: ReadonlySet<string> = new Set([
  "allow_failure",
  "except",
  "extends",
  "environment",
  "inherit",
  "needs",
  "only",
  "parallel",
  "resource_group",
  "rules",
  "stage",
  "trigger",
  "variables",
  "when",
]);

export const WORKFLOW_KEYWORDS: ReadonlySet<string> = new Set(["rules", "name", "auto_cancel"]);
