import { describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { shortToken } from "./config.js";
import { locateKey, parseRunnerConfig } from "./parse-config.js";

const valid = `concurrent = 4
check_interval = 0
log_level = "info"

[[runners]]
  name = "first"
  url = "https://gitlab.example.com"
  token = "glrt-abcdefghijkl"
  executor = "shell"
  limit = 2
  request_concurrency = 3
  builds_dir = "/builds"
  environment = ["A=1", "B=two"]
  output_limit = 8192
  [runners.custom_build_dir]
    enabled = true
  [runners.cache]
    Type = "s3"
  [runners.docker]
    image = "alpine"

[[runners]]
  url = "http://127.0.0.1:8080/"
  token = "tok"
  executor = "shell"
`;

function errorOf(text: string): RunfleetError {
  try {
    parseRunnerConfig(text, "config.toml");
  } catch (err) {
    if (err instanceof RunfleetError) return err;
    throw err;
  }
  throw new Error("expected a config error");
}

describe("parseRunnerConfig", () => {
  it("reads gitlab-runner's keys with defaults", () => {
    const { config, warnings } = parseRunnerConfig(valid, "config.toml");
    expect(config.concurrent).toBe(4);
    expect(config.checkInterval).toBe(3);
    expect(config.runners).toHaveLength(2);
    expect(config.runners[0]).toMatchObject({
      name: "first",
      limit: 2,
      requestConcurrency: 3,
      buildsDir: "/builds",
      environment: ["A=1", "B=two"],
      outputLimitKb: 8192,
      customBuildDirEnabled: true,
      cache: { Type: "s3" },
    });
    expect(config.runners[1]).toMatchObject({
      name: "runner-1",
      limit: 0,
      requestConcurrency: 1,
      outputLimitKb: 4096,
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    [valid.replace("limit = 2", 'limit = "two"'), 10, "runners[0].limit", /whole number/],
    [valid.replace("limit = 2", "limit = -1"), 10, "runners[0].limit", /≥ 0/],
    [valid.replace("concurrent = 4", "concurrent = 0"), 1, "concurrent", /≥ 1/],
    [
      valid.replace('executor = "shell"\n  limit', 'executor = "ssh"\n  limit'),
      9,
      "runners[0].executor",
      /unknown executor "ssh"/,
    ],
    [
      valid.replace('url = "https://gitlab.example.com"', 'url = "gitlab"'),
      7,
      "runners[0].url",
      /http\(s\) URL/,
    ],
    [valid.replace('  token = "tok"\n', ""), 22, "runners[1]", /`token` is required/],
    [valid.replace('["A=1", "B=two"]', '["A"]'), 13, "runners[0].environment", /KEY=value/],
    [
      valid.replace("enabled = true", 'enabled = "yes"'),
      16,
      "runners[0].custom_build_dir.enabled",
      /true or false/,
    ],
    [valid.replace('log_level = "info"', 'log_level = "loud"'), 3, "log_level", /one of/],
  ])("reports case %#", (text, line, path, message) => {
    const err = errorOf(text);
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toMatch(message);
    expect(err.location).toMatchObject({ file: "config.toml", line, path });
  });

  it("reports TOML syntax errors with their position", () => {
    const err = errorOf("concurrent = \n");
    expect(err.location).toMatchObject({ file: "config.toml", line: 1 });
  });

  it.each([
    ['memory = "lots"', 7, "memory", /memory: "lots" is not a size/],
    ["privileged = true", 7, "privileged", /privileged/],
  ])("points at the line of a bad [runners.docker] value (%s)", (line, row, key, message) => {
    const text = [
      "[[runners]]",
      '  url = "http://127.0.0.1:1"',
      '  token = "t"',
      '  executor = "docker"',
      "  [runners.docker]",
      '    image = "alpine"',
      `    ${line}`,
      "",
    ].join("\n");
    let error: unknown;
    try {
      parseRunnerConfig(text, "config.toml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).location).toEqual({
      file: "config.toml",
      line: row,
      column: 5,
      path: `runners[0].docker.${key}`,
    });
    expect((error as RunfleetError).message).toMatch(message);
  });

  it("warns about keys it does not know", () => {
    const { warnings } = parseRunnerConfig(`${valid}\n  colour = "blue"\n`, "c.toml");
    expect(warnings).toEqual(["c.toml: runners[1]: unknown key `colour` ignored"]);
  });
});

describe("locateKey", () => {
  it("finds keys in nested runner tables", () => {
    expect(locateKey(valid, ["runners", 0, "docker"], "image")).toEqual({ line: 20, column: 5 });
    expect(locateKey(valid, ["runners", 1], "executor")).toEqual({ line: 25, column: 3 });
  });
});

describe("shortToken", () => {
  it.each([
    ["glrt-abcdefghijkl", "abcdefgh"],
    ["glrt-t1_zyxwvutsrq", "zyxwvuts"],
    ["plain", "plain"],
  ])("%s → %s", (t, s) => expect(shortToken(t)).toBe(s));
});

describe("localRunnerConfig", () => {
  it("builds a one-runner shell configuration bounded by the concurrency", async () => {
    const { localRunnerConfig } = await import("./config.js");
    const config = localRunnerConfig({
      url: "http://127.0.0.1:1",
      token: "t",
      concurrency: 8,
      buildsDir: "/b",
      cacheDir: "/c",
    });
    expect(config.concurrent).toBe(8);
    expect(config.runners[0]).toMatchObject({
      executor: "shell",
      limit: 8,
      requestConcurrency: 4,
      buildsDir: "/b",
      cacheDir: "/c",
    });
  });
});
