import type { Container, Pod } from "../kube/types.js";
import type { ContainerLaunch } from "../runtimes/pod-runtime.js";
import { type ApiServerAddress, expandReferences, resolveContainerEnv } from "./container-env.js";
import type { ContainerRecord } from "./container-run.js";
import type { NodeAllocatable, PodAddresses } from "./field-ref.js";
import type { PodResources } from "./pod-resources.js";
import { podHostname } from "./worker-support.js";

export interface LaunchContext {
  readonly pod: Pod;
  readonly resources: PodResources;
  readonly addresses: PodAddresses;
  readonly allocatable: NodeAllocatable;
  readonly apiServer: ApiServerAddress;
}

/**
 * Everything the runtime needs for one start of a container, except its log. Throws CONFIG_INVALID
 * when an env reference or a volume mount cannot be resolved (CreateContainerConfigError).
 */
export function containerLaunch(
  record: ContainerRecord,
  spec: Container,
  ctx: LaunchContext,
): Omit<ContainerLaunch, "log"> {
  const env = resolveContainerEnv(spec, {
    pod: ctx.pod,
    objects: ctx.resources.objects,
    addresses: ctx.addresses,
    allocatable: ctx.allocatable,
    apiServer: ctx.apiServer,
  });
  return {
    podUid: ctx.pod.metadata.uid ?? "",
    podName: ctx.pod.metadata.name,
    hostname: podHostname(ctx.pod),
    namespace: ctx.pod.metadata.namespace ?? "default",
    podDir: ctx.resources.podDir,
    name: record.name,
    image: record.image,
    command: spec.command?.map((part) => expandReferences(part, env)),
    args: spec.args?.map((part) => expandReferences(part, env)),
    workingDir: spec.workingDir,
    env,
    mounts: ctx.resources.mountsFor(spec),
    attempt: record.restartCount,
  };
}
