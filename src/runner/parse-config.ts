/**
 * Reads and validates a runner manager `config.toml`. Every error names the file, the line and column,
 * and the key path (`runners[0].limit`); keys that are not understood are returned as warnings, since
 * gitlab-runner configs carry many settings for executors added later.
 */
import { parse, TomlError } from "smol-toml";
import { RunfleetError } from "../errors/index.js";
import { checkExecutorSettings, ExecutorSettingsError, executors } from "../executors/index.js";
import { DEFAULTS, type LogLevel, type RunnerEntryConfig, type RunnerManagerConfig } from "./config.js";

export interface ParsedConfig {
  readonly config: RunnerManagerConfig;
  readonly warnings: readonly string[];
}

type Table = Record<string, unknown>;

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "fatal", "panic"];
const GLOBAL_KEYS = new Set([
  "concurrent",
  "check_interval",
  "log_level",
  "log_format",
  "shutdown_timeout",
  "listen_address",
  "sentry_dsn",
  "connection_max_age",
  "session_server",
  "runners",
]);
const RUNNER_KEYS = new Set([
  "name",
  "url",
  "token",
  "executor",
  "limit",
  "request_concurrency",
  "builds_dir",
  "cache_dir",
  "environment",
  "output_limit",
  "custom_build_dir",
  "cache",
  "docker",
  "kubernetes",
  "shell",
  "id",
  "token_obtained_at",
  "token_expires_at",
  "clone_url",
  "pre_get_sources_script",
  "post_get_sources_script",
  "pre_build_script",
  "post_build_script",
  "debug_trace_disabled",
  "unhealthy_requests_limit",
  "unhealthy_interval",
  "feature_flags",
  "tls-ca-file",
  "tls-cert-file",
  "tls-key-file",
  "referees",
  "custom",
  "ssh",
  "machine",
  "autoscaler",
]);

/** Line and column of `key` in the table at `tablePath` (`["runners", 1, "cache"]`), best effort. */
export function locateKey(
  text: string,
  tablePath: readonly (string | number)[],
  key: string | undefined,
): { line: number; column: number } {
  const lines = text.split("\n");
  const runnerIndex = typeof tablePath[1] === "number" ? tablePath[1] : -1;
  const sub = typeof tablePath[2] === "string" ? tablePath[2] : undefined;
  let seenRunners = -1;
  let inTarget = tablePath.length === 0;
  let headerLine = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    const header = line.match(/^\[\[?\s*([^\]]+?)\s*\]\]?/);
    if (header) {
      const name = header[1] ?? "";
      if (line.startsWith("[[") && name === "runners") seenRunners++;
      const wantRunner = tablePath[0] === "runners" && seenRunners === runnerIndex;
      inTarget =
        sub === undefined ? wantRunner && name === "runners" : wantRunner && name === `runners.${sub}`;
      if (inTarget) headerLine = i + 1;
      continue;
    }
    if (!inTarget) continue;
    if (key === undefined) return { line: headerLine, column: 1 };
    const match = (lines[i] ?? "").match(
      new RegExp(`^(\\s*)("?)${key.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&")}\\2\\s*=`),
    );
    if (match) return { line: i + 1, column: (match[1]?.length ?? 0) + 1 };
  }
  return { line: headerLine, column: 1 };
}

class Validator {
  readonly warnings: string[] = [];
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  fail(
    tablePath: readonly (string | number)[],
    key: string | undefined,
    message: string,
    hint?: string,
  ): never {
    const { line, column } = locateKey(this.text, tablePath, key);
    const path = [...tablePath, ...(key ? [key] : [])]
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
      .join("")
      .replace(/^\./, "")
      .replace(/\.\[/g, "[");
    throw new RunfleetError("CONFIG_INVALID", message, {
      location: { file: this.file, line, column, path },
      ...(hint ? { hint } : {}),
    });
  }

  int(
    table: Table,
    tablePath: readonly (string | number)[],
    key: string,
    fallback: number,
    min: number,
  ): number {
    const v = table[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" && typeof v !== "bigint")
      this.fail(tablePath, key, `\`${key}\` must be a whole number, got ${JSON.stringify(v)}`);
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      this.fail(tablePath, key, `\`${key}\` must be a whole number ≥ ${min}, got ${n}`);
    return n;
  }

  str(
    table: Table,
    tablePath: readonly (string | number)[],
    key: string,
    required: boolean,
  ): string | undefined {
    const v = table[key];
    if (v === undefined || v === "") {
      if (required) this.fail(tablePath, undefined, `\`${key}\` is required in every [[runners]] entry`);
      return undefined;
    }
    if (typeof v !== "string")
      this.fail(tablePath, key, `\`${key}\` must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  table(table: Table, tablePath: readonly (string | number)[], key: string): Table {
    const v = table[key];
    if (v === undefined) return {};
    if (typeof v !== "object" || v === null || Array.isArray(v))
      this.fail(tablePath, key, `\`${key}\` must be a table ([runners.${key}])`);
    return v as Table;
  }

  unknown(table: Table, known: Set<string>, where: string): void {
    for (const key of Object.keys(table))
      if (!known.has(key)) this.warnings.push(`${this.file}: ${where}: unknown key \`${key}\` ignored`);
  }
}

function runnerEntry(v: Validator, raw: unknown, index: number): RunnerEntryConfig {
  const at = ["runners", index] as const;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    v.fail(at, undefined, "each [[runners]] entry must be a table");
  const t = raw as Table;
  v.unknown(t, RUNNER_KEYS, `runners[${index}]`);
  const url = v.str(t, at, "url", true) ?? "";
  if (!/^https?:\/\/[^/]+/.test(url))
    v.fail(
      at,
      "url",
      `\`url\` must be an http(s) URL, got "${url}"`,
      'e.g. url = "https://gitlab.example.com"',
    );
  const executor = v.str(t, at, "executor", true) ?? "";
  if (executors[executor] === undefined) {
    v.fail(
      at,
      "executor",
      `unknown executor "${executor}"`,
      `known executors: ${Object.keys(executors).join(", ")}`,
    );
  }
  const environment = t.environment ?? [];
  if (!Array.isArray(environment) || environment.some((e) => typeof e !== "string" || !e.includes("="))) {
    v.fail(at, "environment", '`environment` must be a list of "KEY=value" strings');
  }
  const custom = v.table(t, at, "custom_build_dir");
  if (custom.enabled !== undefined && typeof custom.enabled !== "boolean") {
    v.fail([...at, "custom_build_dir"], "enabled", "`enabled` must be true or false");
  }
  const executorSection = v.table(t, at, executor);
  try {
    checkExecutorSettings(executor, executorSection);
  } catch (err) {
    // The executor knows what is wrong; the config file knows where.
    if (err instanceof ExecutorSettingsError) v.fail([...at, executor], err.key, err.message, err.hint);
    throw err;
  }
  return {
    name: v.str(t, at, "name", false) ?? `runner-${index}`,
    url,
    token: v.str(t, at, "token", true) ?? "",
    executor,
    limit: v.int(t, at, "limit", DEFAULTS.limit, 0),
    requestConcurrency: v.int(t, at, "request_concurrency", DEFAULTS.requestConcurrency, 1),
    buildsDir: v.str(t, at, "builds_dir", false),
    cacheDir: v.str(t, at, "cache_dir", false),
    environment: environment as string[],
    outputLimitKb: v.int(t, at, "output_limit", DEFAULTS.outputLimitKb, 1),
    customBuildDirEnabled: custom.enabled === true,
    cache: v.table(t, at, "cache"),
    executorSection,
  };
}

export function parseRunnerConfig(text: string, file: string): ParsedConfig {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new RunfleetError("CONFIG_INVALID", `not valid TOML: ${err.message.split("\n")[0]}`, {
        location: { file, line: err.line, column: err.column },
        cause: err,
      });
    }
    throw err;
  }
  const v = new Validator(text, file);
  v.unknown(doc, GLOBAL_KEYS, "top level");
  const logLevel = v.str(doc, [], "log_level", false) ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel as LogLevel))
    v.fail([], "log_level", `\`log_level\` must be one of ${LOG_LEVELS.join(", ")}`);
  const rawRunners = doc.runners ?? [];
  const runners: unknown[] = Array.isArray(rawRunners)
    ? rawRunners
    : v.fail([], "runners", "`runners` must be an array of tables: write [[runners]]");
  const checkInterval = v.int(doc, [], "check_interval", DEFAULTS.checkInterval, 0);
  return {
    config: {
      concurrent: v.int(doc, [], "concurrent", DEFAULTS.concurrent, 1),
      checkInterval: checkInterval === 0 ? DEFAULTS.checkInterval : checkInterval,
      logLevel: logLevel as LogLevel,
      runners: runners.map((r, i) => runnerEntry(v, r, i)),
    },
    warnings: v.warnings,
  };
}
