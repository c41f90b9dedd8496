import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import type { RegistryCredential } from "../../protocol/index.js";
import {
  encodeRegistryAuth,
  findRegistryLogin,
  parseDockerAuthConfig,
  registryHost,
} from "./registry-auth.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const cred = (url: string, username: string): RegistryCredential => ({
  type: "registry",
  url,
  username,
  password: "tok",
});

describe("registry credentials", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["http://127.0.0.1:5000", "127.0.0.1:5000"],
    ["registry.example.com/v2/", "registry.example.com"],
  ])("registry host of %s is %s", (key, host) => {
    expect(registryHost(key)).toBe(host);
  });

  it("reads auth and username/password entries", () => {
    const json = JSON.stringify({
      auths: {
        "127.0.0.1:5000": { auth: b64("alice:pa:ss") },
        "https://index.docker.io/v1/": { username: "bob", password: "pw" },
      },
    });
    expect(parseDockerAuthConfig(json)).toEqual([
      { username: "alice", password: "pa:ss", serveraddress: "127.0.0.1:5000" },
      { username: "bob", password: "pw", serveraddress: "docker.io" },
    ]);
  });

  it.each(["not json", JSON.stringify({ auths: { x: { auth: b64("nocolon") } } })])("refuses %s", (json) => {
    expect(() => parseDockerAuthConfig(json)).toThrow(RunfleetError);
  });

  const job = JSON.stringify({ auths: { "127.0.0.1:5000": { auth: b64("from-job:x") } } });
  const runner = JSON.stringify({
    auths: { "127.0.0.1:5000": { auth: b64("from-runner:x") }, "b.example": { auth: b64("rb:x") } },
  });
  it.each([
    [
      "job DOCKER_AUTH_CONFIG first",
      "127.0.0.1:5000",
      job,
      runner,
      [cred("127.0.0.1:5000", "ci")],
      "from-job",
    ],
    ["then the runner's", "b.example", job, runner, [cred("b.example", "ci")], "rb"],
    ["then payload credentials", "c.example", job, runner, [cred("https://c.example", "ci")], "ci"],
    ["none", "d.example", job, runner, [], undefined],
  ])("%s", (_name, registry, jobAuthConfig, runnerAuthConfig, credentials, username) => {
    expect(findRegistryLogin(registry, { jobAuthConfig, runnerAuthConfig, credentials })?.username).toBe(
      username,
    );
  });

  it.each([
    "p?>",
    "p?>x",
    "p?>xy",
  ])("encodes X-Registry-Auth as padded URL-safe base64 (password %s)", (password) => {
    const value = encodeRegistryAuth({ username: "u", password, serveraddress: "r" });
    expect(JSON.parse(Buffer.from(value, "base64url").toString())).toEqual({
      username: "u",
      password,
      serveraddress: "r",
    });
    expect(value).not.toMatch(/[+/]/);
    expect(value.length % 4).toBe(0);
  });
});
