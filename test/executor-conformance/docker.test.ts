// The executor conformance suite against the docker executor, on podman's Docker-compatible API.

import { DockerExecutor } from "../../src/executors/docker/index.js";
import { dockerSuiteAvailable, GIT_IMAGE, TEST_DOCKER_HOST } from "../docker/test-engine.js";
import { executorConformanceSuite } from "./suite.js";

executorConformanceSuite({
  name: "docker",
  available: () => dockerSuiteAvailable("executor conformance (docker)"),
  create: (settings) =>
    new DockerExecutor(settings, {
      defaultPullPolicy: "if-not-present",
      env: { ...process.env, DOCKER_HOST: TEST_DOCKER_HOST },
    }),
  // The suite checks the checkout with git inside the job; the user image needs none otherwise.
  image: GIT_IMAGE,
});
