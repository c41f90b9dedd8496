/**
 * Where the runner's config.toml lives (`--config`, else `RUNFLEET_CONFIG`, else `~/.runfleet/config.toml`),
 * loading it, adding a registered runner to it, and this host's persisted `system_id`.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse, stringify } from "smol-toml";
import { RunfleetError } from "../errors/index.js";
import { type ParsedConfig, parseRunnerConfig } from "./parse-config.js";
import { newSystemId } from "./runner-manager.js";

export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.RUNFLEET_CONFIG ?? join(homedir(), ".runfleet", "config.toml"));
}

export async function loadConfigFile(path: string): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new RunfleetError("CONFIG_NOT_FOUND", `no runner configuration at ${path}`, {
      hint: "create it with `runfleet register --url URL --token TOKEN`, or pass --config / set RUNFLEET_CONFIG",
      cause,
    });
  }
  return parseRunnerConfig(text, path);
}

export interface RegisteredRunner {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly id?: number;
  readonly tokenExpiresAt?: string | null;
  readonly executor: string;
}

/** Adds the runner to the file (replacing an entry of the same name), keeping everything else in it. */
export async function addRunnerToConfig(path: string, runner: RegisteredRunner): Promise<void> {
  let doc: Record<string, unknown> = {};
  if (existsSync(path)) {
    const text = await readFile(path, "utf8");
    parseRunnerConfig(text, path); // refuse to rewrite a file that is already broken
    doc = parse(text) as Record<string, unknown>;
  }
  doc.concurrent ??= 1;
  doc.check_interval ??= 0;
  const runners = Array.isArray(doc.runners) ? (doc.runners as Record<string, unknown>[]) : [];
  const entry: Record<string, unknown> = {
    name: runner.name,
    url: runner.url,
    ...(runner.id !== undefined ? { id: runner.id } : {}),
    token: runner.token,
    token_obtained_at: new Date().toISOString(),
    ...(runner.tokenExpiresAt ? { token_expires_at: runner.tokenExpiresAt } : {}),
    executor: runner.executor,
  };
  const at = runners.findIndex((r) => r.name === runner.name);
  if (at >= 0) runners[at] = { ...runners[at], ...entry };
  else runners.push({ ...entry, custom_build_dir: {}, cache: {} });
  doc.runners = runners;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${stringify(doc)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** This host's `system_id`, kept in `.runner_system_id` beside the config as gitlab-runner does. */
export async function systemIdFor(path: string): Promise<string> {
  const file = join(dirname(path), ".runner_system_id");
  const existing = await readFile(file, "utf8").catch(() => "");
  if (/^[rs]_[a-z0-9]{12}$/.test(existing.trim())) return existing.trim();
  const id = newSystemId();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}
