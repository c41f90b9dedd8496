import { existsSync } from "node:fs";
import { request } from "node:http";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerHost } from "../../src/executors/docker/index.js";
import {
  BUSYBOX_IMAGE,
  dockerSuiteAvailable,
  SERVICE_IMAGE,
  TEST_DOCKER_HOST,
  testClient,
} from "../docker/test-engine.js";
import { type CliOptions, ensureBuilt, runCli } from "./support/built-cli.js";
import { jobIn, logOf, readReport } from "./support/report.js";
import { cleanup, gitRepo } from "./support/temp-repo.js";

// `runfleet run` choosing where jobs run, through the built CLI against podman's Docker Engine API:
// jobs with an image in their container, the others on this machine, the notices and errors when no
// engine answers, a failing pull, and nothing of the run's left on the engine afterwards.

const enabled = dockerSuiteAvailable("runfleet run on a Docker Engine API");
const IMAGE = process.env.TEST_IMAGE ?? BUSYBOX_IMAGE;
const DEAD_SOCKET = "unix:///nonexistent/runfleet-e2e-docker.sock";

const dirs: string[] = [];
async function repo(yaml: string): Promise<string> {
  const dir = await gitRepo({ ".gitlab-ci.yml": yaml });
  dirs.push(dir);
  return dir;
}

async function runWith(
  extra: Pick<CliOptions, "onSpawn">,
  dir: string,
  dockerHost: string,
  ...args: string[]
) {
  const report = join(dir, ".runfleet", "report.json");
  const result = await runCli(["run", "--report", report, ...args], {
    cwd: dir,
    env: { DOCKER_HOST: dockerHost },
    timeoutMs: 120_000,
    pinShellExecutor: false,
    ...extra,
  });
  return { ...result, report: existsSync(report) ? await readReport(report) : null };
}

function run(dir: string, dockerHost: string, ...args: string[]) {
  return runWith({}, dir, dockerHost, ...args);
}

/** Containers the engine still has for the project of `dir`. */
async function leftOnEngine(dir: string): Promise<string[]> {
  const client = testClient();
  try {
    return await client.listContainers("io.runfleet.project", `local/${basename(dir)}`);
  } finally {
    client.close();
  }
}

async function runfleetNetworks(): Promise<string[]> {
  const client = testClient();
  try {
    return await client.listNetworks("io.runfleet.managed", "true");
  } finally {
    client.close();
  }
}

/** The job keys on the containers of the project of `dir` (a job's network is named after its key). */
function jobKeysOnEngine(dir: string): Promise<string[]> {
  const address = parseDockerHost(TEST_DOCKER_HOST);
  const filters = JSON.stringify({ label: [`io.runfleet.project=local/${basename(dir)}`] });
  const path = `/containers/json?all=1&filters=${encodeURIComponent(filters)}`;
  return new Promise((resolve, reject) => {
    const req = request(
      address.kind === "unix"
        ? { socketPath: address.socketPath, path }
        : { host: address.host, port: address.port, path },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => {
          const list = JSON.parse(body) as Array<{ Labels?: Record<string, string> }>;
          resolve([...new Set(list.flatMap((c) => c.Labels?.["io.runfleet.job"] ?? []))]);
        });
      },
    );
    req.on("error", reject).end();
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const IN_IMAGE_AND_ON_HOST = `
in-image:
  image: ${IMAGE}
  script: [cat /etc/os-release]
on-host:
  script: [cat /etc/os-release]
`;

beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

describe.skipIf(!enabled)("runfleet run: executors", { timeout: 150_000 }, () => {
  it("runs a job with an image in it and a job without on this machine, leaving nothing behind", async () => {
    const dir = await repo(IN_IMAGE_AND_ON_HOST);
    const r = await run(dir, TEST_DOCKER_HOST, "--quiet");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    const inImage = await logOf(report, "in-image");
    expect(inImage).toContain('PRETTY_NAME="Runfleet test image (BusyBox');
    expect(inImage).toContain('Preparing the "docker" executor');
    const host = await logOf(report, "on-host");
    expect(host).not.toContain("Runfleet test image");
    expect(host).toContain('Preparing the "shell" executor');
    expect(host).toMatch(/^ID=/m);
    expect(r.stderr).toContain(
      `notice: jobs with image: run in their image on the Docker Engine API at ${TEST_DOCKER_HOST}`,
    );
    expect(r.stderr).not.toContain("ignored");
    expect(await leftOnEngine(dir)).toEqual([]);
  });

  it("expands variables in the image name, as GitLab Runner does", async () => {
    const dir = await repo(`
in-image:
  image: $JOB_IMAGE
  script: [cat /etc/os-release]
`);
    const r = await run(dir, TEST_DOCKER_HOST, "--quiet", "--var", `JOB_IMAGE=${IMAGE}`);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(await logOf(report, "in-image")).toContain('PRETTY_NAME="Runfleet test image (BusyBox');
  });

  it("--executor shell ignores the image with one notice, even with an engine", async () => {
    const dir = await repo(IN_IMAGE_AND_ON_HOST);
    const r = await run(dir, TEST_DOCKER_HOST, "--quiet", "--executor", "shell");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(await logOf(report, "in-image")).not.toContain("Runfleet test image");
    expect(r.stderr.split("\n").filter((l) => l.includes(IMAGE))).toEqual([
      `notice: --executor shell runs every job on this machine, so this image is ignored: "${IMAGE}" (in-image)`,
    ]);
  });

  it("without an engine, runs the job on this machine with one notice naming the image and the way out", async () => {
    const dir = await repo(IN_IMAGE_AND_ON_HOST);
    const r = await run(dir, DEAD_SOCKET, "--quiet");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(report.jobs.map((j) => [j.name, j.status])).toEqual([
      ["in-image", "success"],
      ["on-host", "success"],
    ]);
    expect(await logOf(report, "in-image")).not.toContain("Runfleet test image");
    const notices = r.stderr.split("\n").filter((l) => l.includes(IMAGE));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      new RegExp(
        `^notice: no Docker Engine API answers at ${DEAD_SOCKET} \\(.*ENOENT.*\\), jobs run on this machine, so this image is ignored: "${IMAGE}" \\(in-image\\); to run jobs in their images, start Docker or podman's API service`,
      ),
    );
  });

  it("--executor docker without an engine stops before anything runs, naming the socket and the error", async () => {
    const dir = await repo(IN_IMAGE_AND_ON_HOST);
    const r = await run(dir, DEAD_SOCKET, "--executor", "docker", "--image", IMAGE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`--executor docker: no Docker Engine API answers at ${DEAD_SOCKET} \\(.*ENOENT.*\\)`),
    );
    expect(r.stderr).toMatch(/hint: start Docker or podman's API service/);
    expect(r.stdout).not.toMatch(/started/);
    expect(existsSync(join(dir, ".runfleet", "logs"))).toBe(false);
    expect(r.report).toBeNull();
  });

  it("--executor docker refuses jobs without an image unless --image names one", async () => {
    const dir = await repo(IN_IMAGE_AND_ON_HOST);
    const refused = await run(dir, TEST_DOCKER_HOST, "--executor", "docker");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /\.gitlab-ci\.yml:\d+:\d+.*--executor docker runs every job in a container, but this job names no image: on-host/,
    );
    expect(refused.stderr).toMatch(/hint: .*--image IMAGE/);

    const r = await run(dir, TEST_DOCKER_HOST, "--quiet", "--executor", "docker", "--image", IMAGE);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    for (const job of ["in-image", "on-host"])
      expect(await logOf(report, job)).toContain('PRETTY_NAME="Runfleet test image (BusyBox');
    expect(await leftOnEngine(dir)).toEqual([]);
  });

  it("reports an image that cannot be pulled as the job failing with image_pull_failure", async () => {
    const missing = "localhost/runfleet-test/does-not-exist:1";
    const dir = await repo(`
pull:
  image: ${missing}
  script: [echo never]
`);
    const r = await run(dir, TEST_DOCKER_HOST);
    expect(r.code).toBe(1);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(jobIn(report, "pull")).toMatchObject({ status: "failed", failureReason: "image_pull_failure" });
    expect(r.stdout).toMatch(/pull .*image_pull_failure/);
    const log = await logOf(report, "pull");
    expect(log).toContain(`ERROR: Job failed: failed to pull image "${missing}"`);
    expect(log).not.toContain("never");
    expect(await leftOnEngine(dir)).toEqual([]);
  });

  it("Ctrl-C cancels a job in its container and removes it, its service and their network", async () => {
    const dir = await repo(`
slow:
  image: ${IMAGE}
  services: [{ name: "${SERVICE_IMAGE}", alias: web }]
  script: [echo in-container-now, sleep 300]
`);
    const seen = { containers: 0, networks: [] as string[] };
    const started = Date.now();
    const r = await runWith(
      {
        onSpawn: (pid, output) => {
          void waitFor(async () => output().includes("in-container-now"), 90_000).then(async () => {
            seen.containers = (await leftOnEngine(dir)).length;
            const keys = await jobKeysOnEngine(dir);
            const networks = await runfleetNetworks();
            seen.networks = keys.map((k) => `runfleet-job-${k}`).filter((n) => networks.includes(n));
            process.kill(pid, "SIGINT");
          });
        },
      },
      dir,
      TEST_DOCKER_HOST,
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(100_000);
    // While it ran: the build container and the service, on a network of their own.
    expect(seen.containers).toBe(2);
    expect(seen.networks).toHaveLength(1);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(jobIn(report, "slow").status).toBe("canceled");
    expect(await leftOnEngine(dir)).toEqual([]);
    const after = new Set(await runfleetNetworks());
    expect(seen.networks.filter((n) => after.has(n))).toEqual([]);
  });
});
