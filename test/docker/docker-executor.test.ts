/**
 * The docker executor driven directly (no coordinator) against podman: what prepare refuses, pulls with
 * the payload's registry credentials, what the stage containers get (entrypoint rule, volumes, memory,
 * network mode), and that a runner shutdown (`close`) removes a job that is still running.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../../src/errors/index.js";
import { DockerExecutor, type HttpDockerClient } from "../../src/executors/docker/index.js";
import type { JobEnvironment, StageOutcome } from "../../src/executors/index.js";
import { failureReasonOf } from "../../src/executors/index.js";
import type { JobPayload } from "../../src/protocol/index.js";
import { jobPayload } from "./job-payload.js";
import {
  BUSYBOX_IMAGE,
  dockerSuiteAvailable,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
  SERVICE_IMAGE,
  TEST_DOCKER_HOST,
  testClient,
} from "./test-engine.js";

const enabled = dockerSuiteAvailable("docker executor (direct)");

describe.skipIf(!enabled)("docker executor against podman", { timeout: 120_000 }, () => {
  let buildsDir: string;
  let client: HttpDockerClient;
  const executors: DockerExecutor[] = [];

  beforeAll(() => {
    buildsDir = mkdtempSync(join(tmpdir(), "runfleet-docker-"));
    client = testClient();
  });
  afterAll(async () => {
    for (const e of executors) await e.close();
    client?.close();
    rmSync(buildsDir, { recursive: true, force: true });
  });

  function executor(section: Record<string, unknown> = {}): DockerExecutor {
    const e = new DockerExecutor(
      { buildsDir, section },
      { defaultPullPolicy: "if-not-present", env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST } },
    );
    executors.push(e);
    return e;
  }

  async function run(
    env: JobEnvironment,
    script: string,
    signal = new AbortController().signal,
  ): Promise<{ outcome: StageOutcome; output: string }> {
    const chunks: Uint8Array[] = [];
    const outcome = await env.runScript("step_script", script, {
      sink: (c) => chunks.push(c),
      signal,
      deadline: Date.now() + 60_000,
    });
    return { outcome, output: Buffer.concat(chunks).toString() };
  }

  async function prepared(e: DockerExecutor, payload: JobPayload): Promise<JobEnvironment> {
    return e.prepare({ payload, slot: 0, runnerShortToken: "direct" });
  }

  it.each<[string, Record<string, unknown>, Partial<JobPayload>, RegExp]>([
    [
      "a job without image and no default",
      {},
      {},
      /the job has no image: and \[runners.docker\] sets no default image/,
    ],
    [
      "an image outside allowed_images",
      { allowed_images: ["localhost/runfleet-test/git*"] },
      { image: { name: BUSYBOX_IMAGE } },
      /"localhost\/runfleet-test\/busybox:latest" is not allowed by \[runners.docker\] allowed_images/,
    ],
    [
      "a service outside allowed_services",
      { allowed_services: ["postgres:*"] },
      { image: { name: BUSYBOX_IMAGE }, services: [{ name: SERVICE_IMAGE }] },
      /is not allowed by \[runners.docker\] allowed_services/,
    ],
    [
      "a pull policy outside allowed_pull_policies",
      { allowed_pull_policies: ["if-not-present"] },
      { image: { name: BUSYBOX_IMAGE, pull_policy: ["always"] } },
      /pull_policy \[always\] of the job's image is not one of the allowed_pull_policies \[if-not-present\]/,
    ],
  ])("refuses %s", async (_name, section, overrides, message) => {
    await expect(prepared(executor(section), jobPayload(overrides))).rejects.toThrow(message);
  });

  it("refuses privileged = true when the executor is created", () => {
    expect(() => executor({ privileged: true })).toThrow(/privileged containers are not supported/);
  });

  it("reports a missing image as image_pull_failure and leaves nothing behind", async () => {
    const payload = jobPayload({
      image: { name: "localhost/runfleet-test/nope:1" },
      services: [{ name: SERVICE_IMAGE }],
    });
    let error: unknown;
    try {
      await prepared(executor(), payload);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect(failureReasonOf(error)).toBe("image_pull_failure");
    expect(await client.listContainers("io.runfleet.job.id", String(payload.id))).toEqual([]);
  });

  it("pulls with the payload's registry credentials", async () => {
    const image = `${REGISTRY}/runfleet-test/busybox:latest`;
    await client.removeImage(image);
    const payload = jobPayload({
      image: { name: image, pull_policy: ["always"] },
      credentials: [
        {
          type: "registry",
          url: `https://${REGISTRY}`,
          username: REGISTRY_USER,
          password: REGISTRY_PASSWORD,
        },
      ],
    });
    const env = await prepared(executor({ allowed_pull_policies: ["always"] }), payload);
    try {
      const { outcome, output } = await run(env, "echo from-registry");
      expect(outcome).toEqual({ kind: "exited", exitCode: 0 });
      expect(output).toContain("from-registry");
    } finally {
      await env.cleanup();
    }
  });

  it('applies entrypoint [""], volumes, memory and network_mode to the stage container', async () => {
    const payload = jobPayload({ image: { name: BUSYBOX_IMAGE, entrypoint: [""] } });
    const hostDir = mkdtempSync(join(tmpdir(), "runfleet-docker-vol-"));
    const env = await prepared(
      executor({ volumes: ["/scratch", `${hostDir}:/from-host:ro`], memory: "96m", network_mode: "none" }),
      payload,
    );
    try {
      const { outcome, output } = await run(
        env,
        [
          "test -d /scratch && echo scratch-ok",
          "test -d /from-host && ! touch /from-host/x 2>/dev/null && echo ro-ok",
          "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -1",
          "ip -o addr 2>/dev/null | grep -v ' lo ' | wc -l",
        ].join("\n"),
      );
      expect(outcome).toEqual({ kind: "exited", exitCode: 0 });
      // The notices of prepare come first; the script's four lines last.
      const lines = output.trim().split("\n").slice(-4);
      expect(lines.slice(0, 2)).toEqual(["scratch-ok", "ro-ok"]);
      expect(lines[2]).toBe(String(96 * 1024 * 1024));
      expect(lines[3]).toBe("0");
    } finally {
      await env.cleanup();
      rmSync(hostDir, { recursive: true, force: true });
    }
  });

  it("removes a running job's containers and network when the runner shuts down", async () => {
    const e = executor();
    const payload = jobPayload({
      image: { name: BUSYBOX_IMAGE },
      services: [{ name: SERVICE_IMAGE, alias: "web" }],
    });
    const env = await prepared(e, payload);
    // The engine may lose the container under the stage while the runner shuts down: a rejection is an
    // acceptable end here, so it is handled from the start.
    const running = run(env, "echo started; sleep 120").catch(() => ({
      outcome: { kind: "exited", exitCode: -1 } as StageOutcome,
    }));
    const until = Date.now() + 20_000;
    while (
      (await client.listContainers("io.runfleet.job.id", String(payload.id))).length < 2 &&
      Date.now() < until
    )
      await new Promise((r) => setTimeout(r, 100));
    expect((await client.listContainers("io.runfleet.job.id", String(payload.id))).length).toBe(2);
    await e.close();
    const { outcome } = await running;
    expect(outcome.kind).toBe("exited");
    expect(await client.listContainers("io.runfleet.job.id", String(payload.id))).toEqual([]);
    const networks = await client.listNetworks("io.runfleet.managed", "true");
    expect(networks.filter((n) => n.startsWith(`runfleet-job-${payload.id}-`))).toEqual([]);
  });
});
