import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import { isLocalEngine, parseDockerHost } from "./docker-host.js";

describe("parseDockerHost", () => {
  it.each([
    [undefined, { kind: "unix", socketPath: "/var/run/docker.sock" }, true],
    ["", { kind: "unix", socketPath: "/var/run/docker.sock" }, true],
    ["unix:///run/runfleet/podman.sock", { kind: "unix", socketPath: "/run/runfleet/podman.sock" }, true],
    ["tcp://127.0.0.1:2375", { kind: "tcp", host: "127.0.0.1", port: 2375 }, true],
    ["tcp://[::1]:2376", { kind: "tcp", host: "::1", port: 2376 }, true],
    ["tcp://docker.internal", { kind: "tcp", host: "docker.internal", port: 2375 }, false],
  ])("%j → %j (local: %s)", (value, address, local) => {
    const parsed = parseDockerHost(value);
    expect(parsed).toEqual(address);
    expect(isLocalEngine(parsed)).toBe(local);
  });

  it.each(["ssh://me@host", "unix://", "npipe:////./pipe/docker"])("refuses %j", (value) => {
    expect(() => parseDockerHost(value)).toThrow(RunfleetError);
  });
});
