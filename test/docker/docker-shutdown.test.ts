/**
 * Runner shutdown with a docker job running (real coordinator, runner manager and podman): the job is
 * killed and failed with runner_system_failure, and its containers and network are gone afterwards.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DockerExecutor, type HttpDockerClient } from "../../src/executors/docker/index.js";
import { ConformanceHarness } from "../executor-conformance/harness.js";
import { startSleepingServiceJob } from "./sleeping-service-job.js";
import { BUSYBOX_IMAGE, dockerSuiteAvailable, TEST_DOCKER_HOST, testClient } from "./test-engine.js";

const enabled = dockerSuiteAvailable("docker executor shutdown");

describe.skipIf(!enabled)("docker executor: runner shutdown mid-job (podman)", { timeout: 120_000 }, () => {
  let client: HttpDockerClient | undefined;
  let h: ConformanceHarness | undefined;
  afterAll(async () => {
    // stop() again is harmless: the manager is already stopped; this removes the coordinator and dirs.
    await h?.stop();
    client?.close();
  });

  it("kills the job, reports runner_system_failure and removes its containers and network", async () => {
    client = testClient();
    const engine = client;
    h = await ConformanceHarness.start({
      name: "docker",
      available: () => true,
      create: (settings) =>
        new DockerExecutor(settings, {
          defaultPullPolicy: "if-not-present",
          env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST },
        }),
      image: BUSYBOX_IMAGE,
    });
    const harness = h;
    const { pipelineId, jobId } = await startSleepingServiceJob(harness);
    expect((await engine.listContainers("io.runfleet.job.id", String(jobId))).length).toBe(2);
    const stopped = Date.now();
    await harness.manager.stop();
    expect(Date.now() - stopped).toBeLessThan(20_000);
    const { jobs } = await harness.wait(pipelineId);
    expect(jobs.job?.record.status).toBe("failed");
    expect(jobs.job?.record.failureReason).toBe("runner_system_failure");
    expect(await engine.listContainers("io.runfleet.job.id", String(jobId))).toEqual([]);
    const networks = await engine.listNetworks("io.runfleet.managed", "true");
    expect(networks.filter((n) => n.startsWith(`runfleet-job-${jobId}-`))).toEqual([]);
  });
});
