/**
 * Docker-specific scenarios through the real path (coordinator → runner → docker executor → podman):
 * the job's own image, services by alias with their command and variables, a service that never comes
 * up, pull policies against the local registry with credentials and a mirror, a missing image, cancel
 * with services; after every job the engine is listed to prove nothing of it is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SPEC, submittedJob } from "../../src/coordinator/testing/job-fixtures.js";
import type { JobScriptSpec } from "../../src/coordinator/types.js";
import { DockerExecutor, type HttpDockerClient } from "../../src/executors/docker/index.js";
import type { JobImage } from "../../src/protocol/index.js";
import { ConformanceHarness, type FinishedJob, plain } from "../executor-conformance/harness.js";
import { startSleepingServiceJob } from "./sleeping-service-job.js";
import {
  BUSYBOX_IMAGE,
  dockerSuiteAvailable,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
  SERVICE_IMAGE,
  SH_ONLY_IMAGE,
  SILENT_SERVICE_IMAGE,
  TEST_DOCKER_HOST,
  testClient,
} from "./test-engine.js";

const enabled = dockerSuiteAvailable("docker executor jobs");

const authConfig = JSON.stringify({
  auths: { [REGISTRY]: { auth: Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString("base64") } },
});
const REGISTRY_IMAGE = `${REGISTRY}/runfleet-test/busybox:latest`;
const MIRRORED_IMAGE = `${REGISTRY}/dockerhub/runfleet-mirror-test/busybox:latest`;

// Several engine round trips per test: generous on a loaded machine.
describe.skipIf(!enabled)("docker executor jobs (podman)", { timeout: 120_000 }, () => {
  let h: ConformanceHarness;
  let client: HttpDockerClient;

  beforeAll(async () => {
    client = testClient();
    h = await ConformanceHarness.start({
      name: "docker",
      available: () => true,
      create: (settings) =>
        new DockerExecutor(
          {
            buildsDir: settings.buildsDir,
            section: {
              wait_for_services_timeout: 3,
              allowed_pull_policies: ["always", "if-not-present", "never"],
              image_rewrites: { "docker.io/": `${REGISTRY}/dockerhub/` },
            },
          },
          { defaultPullPolicy: "if-not-present", env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST } },
        ),
      image: BUSYBOX_IMAGE,
    });
  });
  afterAll(async () => {
    await h?.stop();
    client?.close();
  });

  async function runJob(spec: Partial<JobScriptSpec>, timeoutSeconds = 60): Promise<FinishedJob> {
    const pipeline = await h.setup.coordinator.submitPipeline({
      projectId: h.setup.project.id,
      commit: { ref: "main", sha: h.sha },
      plan: {
        stages: ["test"],
        variables: [],
        jobs: [
          submittedJob("job", {
            timeoutSeconds,
            spec: { ...EMPTY_SPEC, image: { name: BUSYBOX_IMAGE }, ...spec },
          }),
        ],
      },
    });
    const { jobs } = await h.wait(pipeline.id, 90_000);
    const job = jobs.job;
    if (job === undefined) throw new Error("the job is missing from its pipeline");
    await expectNothingLeft(job.record.id);
    return job;
  }

  async function expectNothingLeft(jobId: number): Promise<void> {
    expect(await client.listContainers("io.runfleet.job.id", String(jobId))).toEqual([]);
    const networks = await client.listNetworks("io.runfleet.managed", "true");
    expect(networks.filter((n) => n.startsWith(`runfleet-job-${jobId}-`))).toEqual([]);
  }

  it("runs in the job's image: the job sees the image's /etc/os-release", async () => {
    const job = await runJob({ script: [". /etc/os-release", 'echo "os=$ID name=$NAME"'] });
    expect(job.record.status).toBe("success");
    expect(plain(job.trace)).toContain("os=busybox name=Runfleet test busybox");
    // A first checkout in a fresh directory shows no git noise (no origin yet is expected).
    expect(plain(job.trace)).not.toMatch(/error:/i);
  });

  it("needs only a POSIX sh in the image: no /tmp, /etc/passwd, git or bash", async () => {
    const job = await runJob({
      image: { name: SH_ONLY_IMAGE },
      variables: [{ key: "CONF", value: "from-a-file-variable", masked: false, file: true, raw: false }],
      script: [
        "test ! -e /tmp && test ! -e /etc/passwd && ! command -v git && ! command -v bash",
        'echo "conf=$(cat "$CONF")"',
        "test -f README.md && echo checked-out",
      ],
    });
    expect(plain(job.trace)).toContain("conf=from-a-file-variable");
    expect(plain(job.trace)).toContain("checked-out");
    expect(job.record.status).toBe("success");
  });

  it("reaches services by their derived and explicit aliases", async () => {
    const service: JobImage = { name: SERVICE_IMAGE, alias: "web" };
    const job = await runJob({
      services: [service],
      script: [
        "wget -qO- http://web:8080/",
        "wget -qO- http://localhost__runfleet-test__http-service:8080/",
        "wget -qO- http://localhost-runfleet-test-http-service:8080/",
      ],
    });
    expect(plain(job.trace)).not.toContain("WARNING");
    expect(job.record.status).toBe("success");
    expect(plain(job.trace).match(/hello from the service/g)?.length).toBe(3);
  });

  it("starts a service with its entrypoint, command, variables and declared port", async () => {
    const service: JobImage = {
      name: BUSYBOX_IMAGE,
      alias: "custom",
      entrypoint: ["/bin/sh", "-c"],
      command: [
        'mkdir -p /www && echo "greeting=$GREETING" > /www/index.html && exec httpd -f -p 9090 -h /www',
      ],
      ports: [{ number: 9090 }],
      variables: [{ key: "GREETING", value: "from-service-variables", public: true, masked: false }],
    };
    const job = await runJob({ services: [service], script: ["wget -qO- http://custom:9090/"] });
    expect(job.record.status).toBe("success");
    expect(plain(job.trace)).toContain("greeting=from-service-variables");
  });

  it("warns with a bounded wait when a service never comes up, and the job goes on", async () => {
    const started = Date.now();
    const job = await runJob({
      services: [{ name: SILENT_SERVICE_IMAGE, alias: "silent" }],
      script: ["echo still-ran"],
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    const trace = plain(job.trace);
    expect(trace).toContain(
      `*** WARNING: Service ${SILENT_SERVICE_IMAGE} probably didn't start properly: port 8080 did not answer within 3s`,
    );
    expect(trace).toContain("still-ran");
    expect(job.record.status).toBe("success");
  });

  it("fails a job whose image does not exist, with the pull error in the trace", async () => {
    const job = await runJob({ image: { name: "localhost/runfleet-test/does-not-exist:1" } });
    expect(job.record.status).toBe("failed");
    expect(job.record.failureReason).toBe("image_pull_failure");
    expect(plain(job.trace)).toContain('failed to pull image "localhost/runfleet-test/does-not-exist:1"');
  });

  it("pull_policy never refuses an image the engine does not have", async () => {
    await client.removeImage(REGISTRY_IMAGE);
    const job = await runJob({ image: { name: REGISTRY_IMAGE, pull_policy: ["never"] } });
    expect(job.record.status).toBe("failed");
    expect(plain(job.trace)).toContain("the image is not present on the engine and pull_policy is never");
  });

  it("pull_policy always pulls from the registry with DOCKER_AUTH_CONFIG, and fails without it", async () => {
    await client.removeImage(REGISTRY_IMAGE);
    const denied = await runJob({ image: { name: REGISTRY_IMAGE, pull_policy: ["always"] } });
    expect(denied.record.status).toBe("failed");
    expect(plain(denied.trace)).toContain(`failed to pull image "${REGISTRY_IMAGE}"`);
    const job = await runJob({
      image: { name: REGISTRY_IMAGE, pull_policy: ["always"] },
      variables: [{ key: "DOCKER_AUTH_CONFIG", value: authConfig, masked: false, file: false, raw: true }],
      script: ["echo pulled-and-ran"],
    });
    expect(plain(job.trace)).toContain(`Pulling docker image ${REGISTRY_IMAGE} (pull_policy always)`);
    expect(plain(job.trace)).toContain("pulled-and-ran");
    expect(job.record.status).toBe("success");
    const again = await runJob({ image: { name: REGISTRY_IMAGE, pull_policy: ["never"] } });
    expect(plain(again.trace)).toContain(`Using locally present image ${REGISTRY_IMAGE} (pull_policy never)`);
    expect(again.record.status).toBe("success");
  });

  it("pulls Docker Hub names through the image_rewrites mirror", async () => {
    await client.removeImage(MIRRORED_IMAGE);
    const job = await runJob({
      image: { name: "runfleet-mirror-test/busybox" },
      variables: [{ key: "DOCKER_AUTH_CONFIG", value: authConfig, masked: false, file: false, raw: true }],
      script: [". /etc/os-release", 'echo "mirrored os=$ID"'],
    });
    expect(plain(job.trace)).toContain(
      `Pulling docker image runfleet-mirror-test/busybox (as ${MIRRORED_IMAGE})`,
    );
    expect(plain(job.trace)).toContain("mirrored os=busybox");
    expect(job.record.status).toBe("success");
  });

  it("cancel mid-script removes the job's containers and network", async () => {
    const { pipelineId, jobId } = await startSleepingServiceJob(h);
    expect(await client.listContainers("io.runfleet.job.id", String(jobId))).not.toEqual([]);
    await h.setup.coordinator.cancelJob(jobId);
    const { jobs } = await h.wait(pipelineId);
    expect(jobs.job?.record.status).toBe("canceled");
    await expectNothingLeft(jobId);
  });
});
