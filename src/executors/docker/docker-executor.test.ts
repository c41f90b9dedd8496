import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import type { JobPayload } from "../../protocol/index.js";
import type { DockerClient } from "./docker-client.js";
import { DockerExecutor, expandImage } from "./docker-executor.js";
import { FakeDockerClient } from "./fake-docker-client.js";

const buildsDir = mkdtempSync(join(tmpdir(), "runfleet-docker-unit-"));
afterAll(() => rmSync(buildsDir, { recursive: true, force: true }));

function payload(services: JobPayload["services"] = []): JobPayload {
  return {
    id: 42,
    token: "t",
    allow_git_fetch: true,
    job_info: { id: 42, name: "j", stage: "test", pipeline_id: 1, project_id: 1, project_name: "p" },
    git_info: {
      repo_url: "",
      ref: "main",
      sha: "",
      before_sha: "",
      ref_type: "branch",
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 60 },
    variables: [],
    steps: [],
    image: { name: "alpine:3" },
    services,
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: true, failure_reasons: [] },
  };
}

function setup(): { fake: FakeDockerClient; executor: DockerExecutor } {
  const fake = new FakeDockerClient();
  const executor = new DockerExecutor(
    { buildsDir, section: {} },
    { defaultPullPolicy: "if-not-present", client: fake, env: { DOCKER_HOST: "unix:///fake.sock" } },
  );
  return { fake, executor };
}

const engineDown = new RunfleetError("UNAVAILABLE", "engine broke");
const io = () => ({
  sink: () => undefined,
  signal: new AbortController().signal,
  deadline: Date.now() + 10_000,
});

describe("expandImage", () => {
  const vars: JobPayload["variables"] = [
    { key: "IMG", value: "alpine", public: true, masked: false },
    { key: "TAG", value: "3.20", public: true, masked: false },
    { key: "TAG", value: "3.21", public: true, masked: false },
    { key: "NAME", value: "db", public: true, masked: false },
  ];
  it.each<[string, JobPayload["image"] & object, object]>([
    ["a whole name", { name: "$IMG" }, { name: "alpine" }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitLab's own ${VAR} syntax, not a template
    ["braces, the last value of a key", { name: "${IMG}:$TAG" }, { name: "alpine:3.21" }],
    ["an unknown variable, a literal $$", { name: "x/$NOPE$$:1" }, { name: "x/$:1" }],
    ["an alias", { name: "postgres:15", alias: "$NAME-1" }, { name: "postgres:15", alias: "db-1" }],
    ["nothing to expand", { name: "busybox", entrypoint: [""] }, { name: "busybox", entrypoint: [""] }],
  ])("%s", (_name, image, expected) => {
    expect(expandImage(image, { ...payload(), variables: vars })).toEqual(expected);
  });

  it("pulls the expanded names of the image and its services", async () => {
    const { fake, executor } = setup();
    const p = {
      ...payload([{ name: "postgres:$PG" }]),
      image: { name: "$IMG:3" },
      variables: [
        { key: "IMG", value: "alpine", public: true, masked: false },
        { key: "PG", value: "15", public: true, masked: false },
      ],
    };
    const env = await executor.prepare({ payload: p, slot: 0, runnerShortToken: "r" });
    expect(fake.images).toEqual(new Set(["docker.io/library/alpine:3", "docker.io/library/postgres:15"]));
    await env.cleanup();
  });
});

describe("DockerExecutor bookkeeping (fake engine)", () => {
  it("pulls once per image with if-not-present and runs without a network of its own when there are no services", async () => {
    const { fake, executor } = setup();
    const env = await executor.prepare({ payload: payload(), slot: 0, runnerShortToken: "r" });
    expect(fake.images).toEqual(new Set(["docker.io/library/alpine:3"]));
    expect(fake.networks.size).toBe(0);
    fake.exitCode = 3;
    expect(await env.runScript("step_script", "exit 3", io())).toEqual({ kind: "exited", exitCode: 3 });
    expect(fake.containers.size).toBe(0);
    await env.cleanup();
  });

  it.each<[string, keyof DockerClient, boolean]>([
    ["creating a service container fails", "createContainer", false],
    ["the engine answers create with an error after creating it", "createContainer", true],
    ["starting a service fails", "startContainer", false],
  ])("removes the job's network and containers when %s", async (_name, method, afterWork) => {
    const { fake, executor } = setup();
    fake.failures.set(method, engineDown);
    if (afterWork) fake.afterWork.add(method);
    await expect(
      executor.prepare({ payload: payload([{ name: "postgres:15" }]), slot: 0, runnerShortToken: "r" }),
    ).rejects.toThrow("engine broke");
    expect(fake.containers.size).toBe(0);
    expect(fake.networks.size).toBe(0);
  });

  it("removes a stage container whose start fails, and reports the engine error", async () => {
    const { fake, executor } = setup();
    const env = await executor.prepare({ payload: payload(), slot: 0, runnerShortToken: "r" });
    fake.failures.set("startContainer", engineDown);
    await expect(env.runScript("step_script", "true", io())).rejects.toThrow("engine broke");
    expect(fake.containers.size).toBe(0);
  });

  it("keeps the exit code and warns in the output when the engine's log stream breaks", async () => {
    const { fake, executor } = setup();
    const env = await executor.prepare({ payload: payload(), slot: 0, runnerShortToken: "r" });
    fake.failures.set("attachContainer", new RunfleetError("UNAVAILABLE", "stream reset"));
    fake.exitCode = 4;
    const out: Uint8Array[] = [];
    const outcome = await env.runScript("step_script", "exit 4", { ...io(), sink: (c) => out.push(c) });
    expect(outcome).toEqual({ kind: "exited", exitCode: 4 });
    expect(Buffer.concat(out).toString()).toContain(
      "WARNING: the job's output stream from the engine broke: stream reset",
    );
    expect(fake.containers.size).toBe(0);
  });

  it("stops a pull that hangs at the job's timeout", async () => {
    const { fake, executor } = setup();
    fake.pullHangs = true;
    const slow = { ...payload(), runner_info: { timeout: 1 } };
    const started = Date.now();
    await expect(executor.prepare({ payload: slow, slot: 0, runnerShortToken: "r" })).rejects.toThrow(
      "pulling the job's images took longer than the job's timeout (1s)",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.containers.size).toBe(0);
  });

  it("close() removes what a job still has on the engine", async () => {
    const { fake, executor } = setup();
    await executor.prepare({ payload: payload([{ name: "redis:7" }]), slot: 0, runnerShortToken: "r" });
    expect(fake.containers.size).toBe(1);
    expect(fake.networks.size).toBe(1);
    await executor.close();
    expect(fake.containers.size).toBe(0);
    expect(fake.networks.size).toBe(0);
  });
});
