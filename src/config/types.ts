/**
 * The typed, fully resolved `.gitlab-ci.yml`: includes merged, `extends`, `default:`, `inherit:`,
 * `!reference`, anchors and merge keys applied, hidden jobs removed. Names are camelCase; every value
 * has been validated once at load time, so consumers (the planner) never see raw YAML.
 */
import type { SourceLocation } from "../errors/index.js";

/** Job and rule `when:` values. */
export type When = "on_success" | "on_failure" | "always" | "manual" | "delayed" | "never";

/** `artifacts:when` and `cache:when`. */
export type UploadWhen = "on_success" | "on_failure" | "always";

/** A variable after normalising `NAME: value` and `NAME: { value, description, options, expand }`. */
export interface CiVariable {
  readonly value: string;
  readonly description?: string;
  /** Choices offered for a manually run pipeline; `value` is one of them. */
  readonly options?: readonly string[];
  /** `expand: false` keeps `$OTHER` literal. Defaults to true. */
  readonly expand: boolean;
}

export type CiVariables = Readonly<Record<string, CiVariable>>;

/** `allow_failure: true|false` or `allow_failure: { exit_codes: [...] }` (allowed only for those codes). */
export type AllowFailure = boolean | { readonly exitCodes: readonly number[] };

/** One `parallel:matrix` entry: each variable with its list of values (a scalar becomes a one-item list). */
export type MatrixEntry = Readonly<Record<string, readonly string[]>>;

export type Parallel =
  | { readonly kind: "count"; readonly count: number }
  | { readonly kind: "matrix"; readonly matrix: readonly MatrixEntry[] };

export type Need =
  | {
      readonly kind: "job";
      readonly job: string;
      /** `optional: true`: the need is dropped when the job is not in the pipeline. */
      readonly optional: boolean;
      readonly artifacts: boolean;
      /** `parallel: matrix:` — only the named instances of a `parallel:matrix` job. */
      readonly matrix?: readonly MatrixEntry[];
    }
  /** `{ pipeline: $PARENT_PIPELINE_ID, job }`: artifacts from the parent pipeline. */
  | {
      readonly kind: "pipeline";
      readonly pipeline: string;
      readonly job: string;
      readonly artifacts: boolean;
    }
  /** Cross-project `{ project, job, ref }`: parsed, cannot be served locally. */
  | {
      readonly kind: "project";
      readonly project: string;
      readonly job: string;
      readonly ref: string;
      readonly artifacts: boolean;
    };

export interface RuleChanges {
  readonly paths: readonly string[];
  readonly compareTo?: string;
}

export interface RuleExists {
  readonly paths: readonly string[];
  readonly project?: string;
  readonly ref?: string;
}

/** One entry of `rules:` (job rules, `workflow:rules`, `include:rules`). */
export interface Rule {
  readonly if?: string;
  readonly changes?: RuleChanges;
  readonly exists?: RuleExists;
  readonly when?: When;
  /** Seconds, for `when: delayed`. */
  readonly startIn?: number;
  readonly allowFailure?: AllowFailure;
  readonly variables?: Readonly<Record<string, string>>;
  readonly needs?: readonly Need[];
  readonly interruptible?: boolean;
  readonly location: SourceLocation;
}

/** `only:` / `except:`; a plain list is `refs`. */
export interface OnlyExcept {
  readonly refs: readonly string[];
  readonly variables: readonly string[];
  readonly changes: readonly string[];
  readonly kubernetes?: "active";
  readonly location: SourceLocation;
}

export interface ImageConfig {
  readonly name: string;
  readonly entrypoint?: readonly string[];
  readonly pullPolicy?: readonly ("always" | "if-not-present" | "never")[];
  readonly platform?: string;
  readonly user?: string;
}

export interface ServiceConfig extends ImageConfig {
  /** Host names the service is reachable under (`alias: a,b` splits). */
  readonly aliases: readonly string[];
  readonly command?: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
}

export interface ArtifactsConfig {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly untracked: boolean;
  readonly when: UploadWhen;
  /** As written (`1 week`, `never`); `expireInSeconds` is undefined for `never`. */
  readonly expireIn?: string;
  readonly expireInSeconds?: number;
  readonly name?: string;
  readonly public?: boolean;
  readonly exposeAs?: string;
  /** Report type (`junit`, `dotenv`, …) → files. `coverage_report` appears as `coverageReport`. */
  readonly reports: Readonly<Record<string, readonly string[]>>;
  readonly coverageReport?: { readonly coverageFormat: string; readonly path: string };
}

export type CacheKey =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "files"; readonly files: readonly string[]; readonly prefix?: string };

export interface CacheConfig {
  /** `default` when no key is given, as GitLab does. */
  readonly key: CacheKey;
  readonly paths: readonly string[];
  readonly untracked: boolean;
  /** A `$VARIABLE` policy is expanded when the job runs. */
  readonly policy: "pull" | "push" | "pull-push" | `$${string}`;
  readonly when: UploadWhen;
  readonly fallbackKeys: readonly string[];
  readonly unprotect: boolean;
}

export interface EnvironmentConfig {
  readonly name: string;
  readonly url?: string;
  readonly action: "start" | "prepare" | "stop" | "verify" | "access";
  readonly onStop?: string;
  readonly autoStopIn?: string;
  readonly deploymentTier?: string;
}

export type TriggerInclude =
  | {
      readonly kind: "local";
      readonly path: string;
      /** `inputs:` for the file's `spec: inputs:` header, as written. */
      readonly inputs?: Readonly<Record<string, unknown>>;
    }
  /** A file produced as an artifact by `job` earlier in the pipeline: known only at run time. */
  | { readonly kind: "artifact"; readonly artifact: string; readonly job: string }
  | { readonly kind: "project"; readonly project: string; readonly file: string; readonly ref?: string }
  | { readonly kind: "template"; readonly template: string }
  | { readonly kind: "remote"; readonly url: string }
  | { readonly kind: "component"; readonly component: string };

export interface TriggerForward {
  readonly yamlVariables: boolean;
  readonly pipelineVariables: boolean;
}

export type Trigger =
  | {
      readonly kind: "child";
      readonly include: readonly TriggerInclude[];
      readonly strategy?: "depend";
      readonly forward: TriggerForward;
      /**
       * The child pipeline's config, loaded and validated with the parent when every include is
       * `local`; undefined when it depends on an artifact or something that cannot be fetched.
       */
      readonly config?: CiConfig;
    }
  | {
      readonly kind: "project";
      readonly project: string;
      readonly branch?: string;
      readonly strategy?: "depend";
      readonly forward: TriggerForward;
    };

/** `id_tokens:` entries: the audience(s) of each JWT. */
export type IdTokens = Readonly<Record<string, { readonly aud: readonly string[] }>>;

/** `secrets:` entries kept as written (provider blocks vary); Runfleet cannot resolve them locally. */
export type Secrets = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** `inherit:` — which `default:` keys and global variables a job takes. */
export type Inherit = boolean | readonly string[];

export interface CiJob {
  readonly name: string;
  readonly stage: string;
  /** `before_script`, `script`, `after_script` with `default:` applied and nested lists flattened. */
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly image?: ImageConfig;
  readonly services: readonly ServiceConfig[];
  readonly tags: readonly string[];
  /** The job's own variables (global ones stay in `CiConfig.variables`; see `inheritVariables`). */
  readonly variables: CiVariables;
  /** `inherit:variables`: true (all globals), false (none) or the names to take. */
  readonly inheritVariables: Inherit;
  readonly rules?: readonly Rule[];
  readonly only?: OnlyExcept;
  readonly except?: OnlyExcept;
  /** `on_success` when not written. */
  readonly when: When;
  /** Seconds, for `when: delayed`. */
  readonly startIn?: number;
  /** Undefined when not written: GitLab's default depends on `when` (manual jobs may fail). */
  readonly allowFailure?: AllowFailure;
  readonly retry?: {
    readonly max: number;
    readonly when: readonly string[];
    readonly exitCodes: readonly number[];
  };
  /** Seconds. */
  readonly timeout?: number;
  readonly parallel?: Parallel;
  /** Undefined: stage order. `[]`: start at once. */
  readonly needs?: readonly Need[];
  /** Undefined: all artifacts of earlier stages. */
  readonly dependencies?: readonly string[];
  readonly artifacts?: ArtifactsConfig;
  readonly cache: readonly CacheConfig[];
  readonly environment?: EnvironmentConfig;
  /** Regular expression source as written, e.g. `/Coverage: \d+%/`. */
  readonly coverage?: string;
  readonly interruptible?: boolean;
  readonly resourceGroup?: string;
  readonly trigger?: Trigger;
  readonly secrets?: Secrets;
  readonly idTokens?: IdTokens;
  /** Where the job's key is in its file (for later errors). */
  readonly location: SourceLocation;
}

export interface Workflow {
  readonly name?: string;
  readonly rules?: readonly Rule[];
  readonly autoCancel?: {
    readonly onNewCommit?: "conservative" | "interruptible" | "none";
    readonly onJobFailure?: "none" | "all";
  };
}

export interface CiConfig {
  /** The root file, relative to the project directory. */
  readonly file: string;
  /** Every file read (root first, then includes), relative to the project directory. */
  readonly files: readonly string[];
  /** Ordered; always starts with `.pre` and ends with `.post`. */
  readonly stages: readonly string[];
  readonly variables: CiVariables;
  readonly workflow?: Workflow;
  /** Visible jobs in definition order. */
  readonly jobs: readonly CiJob[];
}

export type ConfigWarningCode =
  | "UNSUPPORTED_TRIGGER_PROJECT"
  | "UNSUPPORTED_SECRETS"
  | "UNSUPPORTED_ID_TOKENS"
  | "UNSUPPORTED_NEEDS_PROJECT"
  | "PRIVILEGED_SERVICE"
  | "IGNORED_KEYWORD"
  | "DUPLICATE_KEY"
  | "INCLUDE_MATCHED_NOTHING"
  | "RULE_NOT_EVALUATED";

/** Something GitLab accepts but Runfleet cannot honour here (or a likely mistake); never fatal. */
export interface ConfigWarning {
  readonly code: ConfigWarningCode;
  readonly message: string;
  readonly location?: SourceLocation;
}

export interface LoadResult {
  readonly config: CiConfig;
  readonly warnings: readonly ConfigWarning[];
}

/** Reads files for the loader; tests pass an in-memory one. Paths are absolute. */
export interface FileReader {
  /** Undefined when the file does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Byte size without reading, undefined when missing. */
  size(path: string): Promise<number | undefined>;
  /** Files under `dir` (absolute), recursively, as paths relative to `dir` with `/` separators. */
  listFiles(dir: string): Promise<readonly string[]>;
  /** The path with symlinks resolved, so an include cannot leave the project through a link. */
  realPath?(path: string): Promise<string | undefined>;
}

export interface LoadOptions {
  /** The root config file, absolute or relative to `projectDir`. */
  readonly file: string;
  readonly projectDir: string;
  /** Variables visible to `include:rules` (predefined CI_* and user ones). */
  readonly variables?: Readonly<Record<string, string>>;
  /** A local directory that serves `include: component:` paths. */
  readonly componentDir?: string;
  readonly reader?: FileReader;
}
