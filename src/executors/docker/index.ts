// The docker executor: runs each job in its own image with its services on a Docker Engine API (Docker or
// podman), the build directory prepared on the host and mounted; everything a job creates is removed.
export { checkImageAllowed, isImageAllowed } from "./allowed-images.js";
export type { DockerClient } from "./docker-client.js";
export { createDockerExecutor, createLocalDockerExecutor, DockerExecutor } from "./docker-executor.js";
export { isLocalEngine, parseDockerHost } from "./docker-host.js";
export { type DockerSettings, parseDockerSettings } from "./docker-settings.js";
export { EngineUnreachableError, HttpDockerClient } from "./http-docker-client.js";
export { ImagePullError } from "./image-pull-error.js";
export { normalizeImageName, rewriteImage } from "./image-reference.js";
export {
  chooseLocalExecutor,
  type EngineProbe,
  type ImageJob,
  ImageRoutedExecutor,
  type LocalExecutorChoice,
  type LocalExecutorInput,
  type LocalExecutorRequest,
  probeEngine,
} from "./local-executor-choice.js";
