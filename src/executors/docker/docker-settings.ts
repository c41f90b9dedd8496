/**
 * `[runners.docker]` of the runner's config, validated once: keys follow gitlab-runner where they apply.
 * `privileged = true` is refused: jobs never get the host's devices and capabilities. Unknown keys are
 * refused too, so a typo does not silently fall back to a default.
 */
import type { PullPolicy } from "../../protocol/index.js";
import { ExecutorSettingsError } from "../types.js";
import { isPullPolicy } from "./pull-policy.js";

export interface DockerSettings {
  /** `host`: the engine address; `DOCKER_HOST` when unset. */
  readonly host: string | undefined;
  /** Default image for jobs without `image:`. */
  readonly image: string | undefined;
  readonly pullPolicy: readonly PullPolicy[] | undefined;
  readonly allowedPullPolicies: readonly PullPolicy[] | undefined;
  readonly allowedImages: readonly string[];
  readonly allowedServices: readonly string[];
  /** `"/path"` (a volume of the job) or `"host:container[:ro]"` (a bind mount). */
  readonly volumes: readonly string[];
  readonly memoryBytes: number | undefined;
  readonly nanoCpus: number | undefined;
  readonly networkMode: string | undefined;
  readonly helperImage: string | undefined;
  /** Registry prefix → mirror prefix, applied to normalized image names. */
  readonly imageRewrites: Readonly<Record<string, string>>;
  readonly waitForServicesTimeoutSeconds: number;
}

const KEYS = [
  "host",
  "image",
  "privileged",
  "pull_policy",
  "allowed_pull_policies",
  "allowed_images",
  "allowed_services",
  "volumes",
  "memory",
  "cpus",
  "network_mode",
  "helper_image",
  "image_rewrites",
  "wait_for_services_timeout",
] as const;

/** `path` is shown (`image_rewrites."docker.io/"`); `key` is the table's own key, for the config reader. */
function invalid(path: string, message: string, hint?: string, key: string = path): ExecutorSettingsError {
  return new ExecutorSettingsError(key, `[runners.docker] ${path}: ${message}`, hint ? { hint } : {});
}

function optionalString(section: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = section[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(key, `expected a string, got ${typeof value}`);
  return value.trim() === "" ? undefined : value;
}

function stringList(section: Readonly<Record<string, unknown>>, key: string): string[] {
  const value = section[key];
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((v): v is string => typeof v === "string"))
    throw invalid(key, "expected a string or a list of strings");
  return list;
}

function policies(section: Readonly<Record<string, unknown>>, key: string): PullPolicy[] | undefined {
  const list = stringList(section, key);
  if (list.length === 0) return undefined;
  const bad = list.find((p) => !isPullPolicy(p));
  if (bad !== undefined)
    throw invalid(key, `unknown pull policy "${bad}"`, "use always, if-not-present or never");
  return list.filter(isPullPolicy);
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker's memory notation: `512m`, `1g`, `1073741824`. */
export function parseMemory(value: string): number | undefined {
  const m = value
    .trim()
    .toLowerCase()
    .match(/^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/);
  if (!m) return undefined;
  const unit = UNITS[m[2] ?? ""];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

function volumes(section: Readonly<Record<string, unknown>>): string[] {
  const list = stringList(section, "volumes");
  for (const v of list) {
    const parts = v.split(":");
    const target = parts.length === 1 ? parts[0] : parts[1];
    if (
      target === undefined ||
      !target.startsWith("/") ||
      parts.length > 3 ||
      (parts.length === 3 && !/^(ro|rw)$/.test(parts[2] ?? ""))
    )
      throw invalid("volumes", `"${v}" is neither /container/path nor /host/path:/container/path[:ro|rw]`);
  }
  return list;
}

function rewrites(section: Readonly<Record<string, unknown>>): Record<string, string> {
  const value = section.image_rewrites;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(
      "image_rewrites",
      "expected a table of registry prefix = mirror prefix",
      'image_rewrites = { "docker.io/" = "mirror.example/dockerhub/" }',
    );
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(value as Record<string, unknown>)) {
    if (typeof to !== "string" || to === "")
      throw invalid(
        `image_rewrites."${from}"`,
        "expected a mirror prefix string",
        undefined,
        "image_rewrites",
      );
    out[from] = to;
  }
  return out;
}

export function parseDockerSettings(section: Readonly<Record<string, unknown>>): DockerSettings {
  for (const key of Object.keys(section))
    if (!(KEYS as readonly string[]).includes(key))
      throw invalid(key, "unknown key", `known keys: ${KEYS.join(", ")}`);
  if (section.privileged !== undefined && section.privileged !== false) {
    throw invalid(
      "privileged",
      "privileged containers are not supported: a job would get the host's devices and capabilities",
      "remove privileged from [runners.docker]; build images with a daemonless builder (buildah, kaniko) instead",
    );
  }
  const memory = optionalString(section, "memory");
  const memoryBytes = memory === undefined ? undefined : parseMemory(memory);
  if (memory !== undefined && memoryBytes === undefined)
    throw invalid("memory", `"${memory}" is not a size like 512m or 2g`);
  const cpus = optionalString(section, "cpus");
  const cpuCount = cpus === undefined ? undefined : Number(cpus);
  if (cpuCount !== undefined && !(Number.isFinite(cpuCount) && cpuCount > 0))
    throw invalid("cpus", `"${cpus}" is not a positive number of CPUs like 1.5`);
  const wait = section.wait_for_services_timeout ?? 30;
  if (typeof wait !== "number" || !Number.isFinite(wait))
    throw invalid("wait_for_services_timeout", "expected seconds as a number");
  return {
    host: optionalString(section, "host"),
    image: optionalString(section, "image"),
    pullPolicy: policies(section, "pull_policy"),
    allowedPullPolicies: policies(section, "allowed_pull_policies"),
    allowedImages: stringList(section, "allowed_images"),
    allowedServices: stringList(section, "allowed_services"),
    volumes: volumes(section),
    memoryBytes,
    nanoCpus: cpuCount === undefined ? undefined : Math.round(cpuCount * 1e9),
    networkMode: optionalString(section, "network_mode"),
    helperImage: optionalString(section, "helper_image"),
    imageRewrites: rewrites(section),
    waitForServicesTimeoutSeconds: wait,
  };
}
