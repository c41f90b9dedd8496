/**
 * Where the Docker Engine API listens, from `DOCKER_HOST` the way the docker CLI reads it:
 * `unix:///path`, `tcp://host:port` (TLS is not spoken here), or the default socket.
 */
import { RunfleetError } from "../../errors/index.js";

export type EngineAddress =
  | { readonly kind: "unix"; readonly socketPath: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

export function parseDockerHost(value: string | undefined): EngineAddress {
  const raw = value === undefined || value.trim() === "" ? DEFAULT_DOCKER_HOST : value.trim();
  if (raw.startsWith("unix://")) {
    const socketPath = raw.slice("unix://".length);
    if (socketPath === "") throw badHost(raw, "the unix socket path is empty");
    return { kind: "unix", socketPath };
  }
  if (raw.startsWith("tcp://") || raw.startsWith("http://")) {
    let url: URL;
    try {
      url = new URL(raw.replace(/^tcp:/, "http:"));
    } catch (cause) {
      throw badHost(raw, "it is not a valid address", cause);
    }
    const port = url.port === "" ? 2375 : Number(url.port);
    return { kind: "tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port };
  }
  throw badHost(raw, "only unix:// and tcp:// addresses are supported");
}

/** Whether the engine runs on this machine, so a host directory can be bind-mounted into jobs. */
export function isLocalEngine(address: EngineAddress): boolean {
  switch (address.kind) {
    case "unix":
      return true;
    case "tcp":
      return ["127.0.0.1", "::1", "localhost"].includes(address.host);
    default: {
      const never: never = address;
      return never;
    }
  }
}

export function describeEngine(address: EngineAddress): string {
  return address.kind === "unix" ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}

function badHost(raw: string, why: string, cause?: unknown): RunfleetError {
  return new RunfleetError("CONFIG_INVALID", `DOCKER_HOST "${raw}" cannot be used: ${why}`, {
    hint: "set DOCKER_HOST to unix:///run/podman/podman.sock or tcp://127.0.0.1:2375",
    cause,
  });
}
