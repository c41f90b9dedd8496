import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import { ExecutorSettingsError } from "../types.js";
import { parseDockerSettings, parseMemory } from "./docker-settings.js";

describe("parseDockerSettings", () => {
  it("has defaults for an empty section", () => {
    const s = parseDockerSettings({});
    expect(s.pullPolicy).toBeUndefined();
    expect(s.allowedImages).toEqual([]);
    expect(s.imageRewrites).toEqual({});
    expect(s.waitForServicesTimeoutSeconds).toBe(30);
  });

  it("reads gitlab-runner keys", () => {
    const s = parseDockerSettings({
      image: "alpine",
      pull_policy: ["always", "if-not-present"],
      allowed_pull_policies: "if-not-present",
      allowed_images: ["localhost/**"],
      volumes: ["/cache", "/srv/data:/data:ro"],
      memory: "512m",
      cpus: "1.5",
      network_mode: "host",
      privileged: false,
      image_rewrites: { "docker.io/": "127.0.0.1:5000/hub/" },
      wait_for_services_timeout: 5,
    });
    expect(s).toMatchObject({
      image: "alpine",
      pullPolicy: ["always", "if-not-present"],
      allowedPullPolicies: ["if-not-present"],
      allowedImages: ["localhost/**"],
      volumes: ["/cache", "/srv/data:/data:ro"],
      memoryBytes: 512 * 1024 * 1024,
      nanoCpus: 1_500_000_000,
      networkMode: "host",
      imageRewrites: { "docker.io/": "127.0.0.1:5000/hub/" },
      waitForServicesTimeoutSeconds: 5,
    });
  });

  it.each([
    [{ privileged: true }, /privileged containers are not supported/, "privileged:"],
    [{ pull_policy: "sometimes" }, /unknown pull policy "sometimes"/, "pull_policy:"],
    [{ memory: "lots" }, /not a size/, "memory:"],
    [{ cpus: "-1" }, /positive number/, "cpus:"],
    [{ volumes: ["/a:relative"] }, /neither/, "volumes:"],
    [{ volumes: ["/a:/b:rx"] }, /neither/, "volumes:"],
    [{ image_rewrites: ["docker.io/"] }, /table of registry prefix/, "image_rewrites:"],
    [{ imagee: "x" }, /unknown key/, "imagee:"],
    [{ image_rewrites: { "docker.io/": 1 } }, /mirror prefix string/, 'image_rewrites."docker.io/":'],
  ])("refuses %j", (section, message, path) => {
    let error: unknown;
    try {
      parseDockerSettings(section);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).message).toMatch(message);
    expect((error as RunfleetError).message.startsWith(`[runners.docker] ${path} `)).toBe(true);
    // The table's own key, for the config reader to point at its line.
    expect(error).toBeInstanceOf(ExecutorSettingsError);
    expect((error as ExecutorSettingsError).key).toBe(path.replace(/(\..*)?:$/, ""));
  });

  it.each([
    ["512m", 536870912],
    ["1g", 1073741824],
    ["1024", 1024],
    ["64MB", 67108864],
    ["x", undefined],
  ])("memory %s is %s bytes", (value, bytes) => {
    expect(parseMemory(value)).toBe(bytes);
  });
});
