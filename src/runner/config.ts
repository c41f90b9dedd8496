/**
 * The runner manager's configuration, with gitlab-runner's key names (`concurrent`, `check_interval`,
 * `[[runners]]` …). Parsed from TOML by parse-config.ts, or built in code by whoever embeds the manager.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal" | "panic";

export interface RunnerEntryConfig {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly executor: string;
  /** Most jobs this entry runs at once; 0 = only `concurrent` limits it. */
  readonly limit: number;
  /** Most `/jobs/request` calls this entry has in flight. */
  readonly requestConcurrency: number;
  readonly buildsDir: string | undefined;
  readonly cacheDir: string | undefined;
  /** `K=V` entries added to every job's environment. */
  readonly environment: readonly string[];
  /** Trace cap in KiB (`output_limit`). */
  readonly outputLimitKb: number;
  readonly customBuildDirEnabled: boolean;
  /** `[runners.cache]`: only the local cache is implemented; the table is kept for later backends. */
  readonly cache: Readonly<Record<string, unknown>>;
  /** `[runners.<executor>]`, handed to the executor as is. */
  readonly executorSection: Readonly<Record<string, unknown>>;
}

export interface RunnerManagerConfig {
  readonly concurrent: number;
  /** Seconds between job requests of one entry when the coordinator has nothing (`check_interval`). */
  readonly checkInterval: number;
  readonly logLevel: LogLevel;
  readonly runners: readonly RunnerEntryConfig[];
}

export const DEFAULTS = {
  concurrent: 1,
  checkInterval: 3,
  logLevel: "info" as LogLevel,
  limit: 0,
  requestConcurrency: 1,
  outputLimitKb: 4096,
} as const;

/** The first 8 characters GitLab shows for a token, after any `glrt-` style prefix. */
export function shortToken(token: string): string {
  const bare = token.replace(/^glrt-(t\d+_)?/, "");
  return bare.slice(0, 8) || "runner";
}

export interface LocalRunnerInput {
  readonly url: string;
  readonly token: string;
  /** Jobs at once (`concurrent`, and the entry's `limit`). */
  readonly concurrency: number;
  readonly buildsDir: string;
  readonly cacheDir: string;
  readonly executor?: string;
  readonly name?: string;
  readonly environment?: readonly string[];
}

/** A one-runner configuration, for embedding the manager (e.g. a local run against its own coordinator). */
export function localRunnerConfig(input: LocalRunnerInput): RunnerManagerConfig {
  return {
    concurrent: input.concurrency,
    checkInterval: DEFAULTS.checkInterval,
    logLevel: "warn",
    runners: [
      {
        name: input.name ?? "local",
        url: input.url,
        token: input.token,
        executor: input.executor ?? "shell",
        limit: input.concurrency,
        // Several polls in flight let a long-polling coordinator hand out a fan-out quickly.
        requestConcurrency: Math.max(1, Math.min(4, input.concurrency)),
        buildsDir: input.buildsDir,
        cacheDir: input.cacheDir,
        environment: input.environment ?? [],
        outputLimitKb: DEFAULTS.outputLimitKb,
        customBuildDirEnabled: false,
        cache: {},
        executorSection: {},
      },
    ],
  };
}
