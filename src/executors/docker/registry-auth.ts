/**
 * Registry credentials for a pull, looked up by the image's registry host as GitLab Runner does:
 * `DOCKER_AUTH_CONFIG` (a job variable first, then the runner's environment) before the job payload's
 * `credentials` (the CI registry token). The engine receives them as `X-Registry-Auth`.
 */
import { RunfleetError } from "../../errors/index.js";
import type { RegistryCredential } from "../../protocol/index.js";

export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

const DOCKER_HUB_KEYS = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

/** `https://index.docker.io/v1/` → `index.docker.io`; `127.0.0.1:5000` stays. */
export function registryHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
  return DOCKER_HUB_KEYS.includes(host) ? "docker.io" : host;
}

function decodeAuth(auth: string, where: string): { username: string; password: string } {
  const text = Buffer.from(auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) {
    throw new RunfleetError(
      "CONFIG_INVALID",
      `DOCKER_AUTH_CONFIG: "auth" of ${where} is not base64 of user:password`,
    );
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Logins from a `DOCKER_AUTH_CONFIG` JSON document (`{"auths": {"host": {"auth": "…"}}}`). */
export function parseDockerAuthConfig(json: string): RegistryLogin[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new RunfleetError("CONFIG_INVALID", "DOCKER_AUTH_CONFIG is not valid JSON", {
      hint: 'expected {"auths": {"registry.example.com": {"auth": "<base64 of user:password>"}}}',
      cause,
    });
  }
  const auths = (parsed as { auths?: unknown } | null)?.auths;
  if (typeof auths !== "object" || auths === null) return [];
  const logins: RegistryLogin[] = [];
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    const entry = (value ?? {}) as { auth?: unknown; username?: unknown; password?: unknown };
    const creds =
      typeof entry.auth === "string" && entry.auth !== ""
        ? decodeAuth(entry.auth, key)
        : typeof entry.username === "string" && typeof entry.password === "string"
          ? { username: entry.username, password: entry.password }
          : undefined;
    if (creds) logins.push({ ...creds, serveraddress: registryHost(key) });
  }
  return logins;
}

export interface AuthSources {
  /** `DOCKER_AUTH_CONFIG` from the job's variables. */
  readonly jobAuthConfig: string | undefined;
  /** `DOCKER_AUTH_CONFIG` from the runner's environment. */
  readonly runnerAuthConfig: string | undefined;
  readonly credentials: readonly RegistryCredential[];
}

export function findRegistryLogin(registry: string, sources: AuthSources): RegistryLogin | undefined {
  const host = registryHost(registry);
  for (const config of [sources.jobAuthConfig, sources.runnerAuthConfig]) {
    if (config === undefined || config.trim() === "") continue;
    const login = parseDockerAuthConfig(config).find((l) => l.serveraddress === host);
    if (login) return login;
  }
  const cred = sources.credentials.find((c) => c.type === "registry" && registryHost(c.url) === host);
  return cred ? { username: cred.username, password: cred.password, serveraddress: host } : undefined;
}

/**
 * The `X-Registry-Auth` header value: URL-safe base64 of the login JSON, padded as the Docker CLI
 * sends it (Go's `base64.URLEncoding`); podman refuses the unpadded form.
 */
export function encodeRegistryAuth(login: RegistryLogin): string {
  const encoded = Buffer.from(JSON.stringify(login)).toString("base64url");
  return encoded.padEnd(Math.ceil(encoded.length / 4) * 4, "=");
}
