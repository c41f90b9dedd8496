import type { ContainerLaunch } from "./pod-runtime.js";

/** Labels on every container the agent creates, so cleanup (and cluster:down) can find them. */
export const nodeLabel = "io.runfleet.node";
export const podUidLabel = "io.runfleet.pod-uid";

export function containerName(launch: ContainerLaunch): string {
  return `rf-${launch.podUid}-${launch.name}-${launch.attempt}`;
}

/**
 * `podman create` arguments for one pod container. Pure. Every container joins the host's network
 * namespace: the pod's containers share it (localhost works between them, as in a pod) and reach
 * servers on the host's loopback, which the test coordinator listens on. The Kubernetes rules
 * map to podman's: `command` replaces the entrypoint (and drops the image's CMD), `args` replace CMD.
 */
export function podmanCreateArgs(launch: ContainerLaunch, nodeName: string): string[] {
  const args = [
    "create",
    "--name",
    containerName(launch),
    "--pull=never",
    "--network=host",
    "--hostname",
    launch.hostname,
    "--label",
    `${nodeLabel}=${nodeName}`,
    "--label",
    `${podUidLabel}=${launch.podUid}`,
    "--label",
    `io.kubernetes.pod.namespace=${launch.namespace}`,
    "--label",
    `io.kubernetes.pod.name=${launch.podName}`,
    "--label",
    `io.kubernetes.container.name=${launch.name}`,
  ];
  for (const [name, value] of Object.entries(launch.env)) args.push("--env", `${name}=${value}`);
  for (const mount of launch.mounts) {
    const ro = mount.readOnly ? ",ro=true" : "";
    args.push("--mount", `type=bind,source=${mount.hostPath},destination=${mount.containerPath}${ro}`);
  }
  if (launch.workingDir) args.push("--workdir", launch.workingDir);
  if (launch.command) args.push("--entrypoint", JSON.stringify(launch.command));
  args.push(launch.image);
  if (launch.args) args.push(...launch.args);
  return args;
}
