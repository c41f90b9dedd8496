/**
 * The engine the docker tests use: `DOCKER_HOST`, else the podman API socket `npm run setup:containers`
 * starts, with the images that script builds and the registry it runs on 127.0.0.1:5000.
 */
import { HttpDockerClient, parseDockerHost } from "../../src/executors/docker/index.js";
import { requireSuite } from "../support/require-suite.js";

export const TEST_DOCKER_HOST = process.env.DOCKER_HOST ?? "unix:///run/runfleet/podman.sock";
export const BUSYBOX_IMAGE = "localhost/runfleet-test/busybox:latest";
export const GIT_IMAGE = "localhost/runfleet-test/git:latest";
export const SERVICE_IMAGE = "localhost/runfleet-test/http-service:latest";
export const SILENT_SERVICE_IMAGE = "localhost/runfleet-test/silent-service:latest";
export const SH_ONLY_IMAGE = "localhost/runfleet-test/sh-only:latest";
export const REGISTRY = "127.0.0.1:5000";
export const REGISTRY_USER = process.env.RUNFLEET_REGISTRY_USER ?? "runfleet";
export const REGISTRY_PASSWORD = process.env.RUNFLEET_REGISTRY_PASSWORD ?? "runfleet-test-pw";

export function testClient(): HttpDockerClient {
  return new HttpDockerClient(parseDockerHost(TEST_DOCKER_HOST));
}

async function probe(): Promise<boolean> {
  const client = testClient();
  try {
    await client.ping();
    for (const image of [BUSYBOX_IMAGE, GIT_IMAGE, SERVICE_IMAGE, SILENT_SERVICE_IMAGE, SH_ONLY_IMAGE])
      if ((await client.inspectImage(image)) === undefined) return false;
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

const engineUp = await probe();

export function dockerSuiteAvailable(suite: string): boolean {
  return requireSuite({
    suite,
    available: engineUp,
    howToEnable: `run \`npm run setup:containers\` (a Docker Engine API on ${TEST_DOCKER_HOST} with the test images)`,
  });
}
