import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCoordinator, type TestSetup } from "../coordinator/testing/test-coordinator.js";
import { RunfleetError } from "../errors/index.js";
import { parseRunnerConfig } from "../runner/index.js";
import { parseRegisterOptions, registerCommand } from "./register.js";

describe("parseRegisterOptions", () => {
  const env = { RUNFLEET_CONFIG: "/etc/rf/config.toml" };
  it("reads every flag", () => {
    const o = parseRegisterOptions(
      [
        "--url",
        "http://127.0.0.1:1",
        "--token",
        "t",
        "--tag-list",
        "a, b,,c",
        "--run-untagged",
        "--name",
        "n",
        "--config",
        "/x/c.toml",
      ],
      env,
    );
    expect(o).toEqual({
      url: "http://127.0.0.1:1",
      token: "t",
      executor: "shell",
      tagList: ["a", "b", "c"],
      runUntagged: true,
      name: "n",
      config: "/x/c.toml",
    });
  });
  it("defaults the config path from RUNFLEET_CONFIG", () => {
    const o = parseRegisterOptions(["--url", "http://h", "--token", "t"], env);
    expect(o !== "help" && o.config).toBe("/etc/rf/config.toml");
  });
  it.each([
    [["--token", "t"], /--url and --token are required/],
    [["--url", "ftp://h", "--token", "t"], /http\(s\) URL/],
    [["--url", "http://h", "--token", "t", "--executor", "ssh"], /unknown executor/],
    [["--url", "http://h", "--token", "t", "--bogus"], /bogus/],
  ])("refuses %j as a usage error", (args, message) => {
    let error: unknown;
    try {
      parseRegisterOptions(args);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).code).toBe("USAGE");
    expect((error as RunfleetError).message).toMatch(message);
  });
});

describe("runfleet register against a coordinator", () => {
  let t: TestSetup;
  let dir: string;
  beforeAll(async () => {
    t = await startTestCoordinator();
    dir = mkdtempSync(join(tmpdir(), "register-"));
  });
  afterAll(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exchanges a registration token for a runner token and writes config.toml", async () => {
    const registration = await t.coordinator.rotateRegistrationToken();
    const config = join(dir, "a", "config.toml");
    const code = await registerCommand.run([
      "--url",
      t.coordinator.url,
      "--token",
      registration,
      "--tag-list",
      "linux",
      "--name",
      "one",
      "--config",
      config,
    ]);
    expect(code).toBe(0);
    const parsed = parseRunnerConfig(readFileSync(config, "utf8"), config);
    expect(parsed.config.runners).toHaveLength(1);
    expect(parsed.config.runners[0]).toMatchObject({
      name: "one",
      url: t.coordinator.url,
      executor: "shell",
    });
    expect(parsed.config.runners[0]?.token).toMatch(/^glrt-/);
    expect(parsed.config.runners[0]?.token).not.toBe(registration);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "a", ".runner_system_id"), "utf8")).toMatch(/^r_[a-z0-9]{12}\n$/);
  });

  it("verifies a glrt- token, keeps the rest of the file and replaces a runner of the same name", async () => {
    const config = join(dir, "b.toml");
    writeFileSync(
      config,
      'concurrent = 7\n\n[[runners]]\nname = "keep"\nurl = "http://127.0.0.1:9"\ntoken = "x"\nexecutor = "shell"\n',
    );
    await registerCommand.run([
      "--url",
      t.coordinator.url,
      "--token",
      t.runnerToken,
      "--name",
      "mine",
      "--config",
      config,
    ]);
    await registerCommand.run([
      "--url",
      t.coordinator.url,
      "--token",
      t.runnerToken,
      "--name",
      "mine",
      "--config",
      config,
    ]);
    const parsed = parseRunnerConfig(readFileSync(config, "utf8"), config);
    expect(parsed.config.concurrent).toBe(7);
    expect(parsed.config.runners.map((r) => r.name)).toEqual(["keep", "mine"]);
    expect(parsed.config.runners[1]?.token).toBe(t.runnerToken);
  });

  it.each([
    ["glrt-wrong"],
    ["wrong-registration-token"],
  ])("refuses the bad token %s and writes nothing", async (token) => {
    const config = join(dir, `bad-${token}.toml`);
    await expect(
      registerCommand.run(["--url", t.coordinator.url, "--token", token, "--config", config]),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(() => statSync(config)).toThrow();
  });
});
