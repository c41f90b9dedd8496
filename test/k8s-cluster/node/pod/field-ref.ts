import { RunfleetError } from "../../../../src/errors/index.js";
import type { Container, Pod, ResourceFieldSelector } from "../kube/types.js";
import { parseQuantity } from "./quantity.js";

/** Addresses the pod was given; the agent runs pods in the host's network, so both are the host's. */
export interface PodAddresses {
  readonly hostIP: string;
  readonly podIP: string;
}

/** Node capacity stands in for a missing limit, as the kubelet does. */
export interface NodeAllocatable {
  readonly cpu: string;
  readonly memory: string;
  readonly "ephemeral-storage": string;
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? "")}`)
    .join("\n");
}

/** The value of a downward-API `fieldRef` (env and downwardAPI volumes share the field list). */
export function resolveFieldRef(pod: Pod, fieldPath: string, addresses: PodAddresses): string {
  const indexed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (indexed) {
    const map = indexed[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[indexed[2] ?? ""] ?? "";
  }
  switch (fieldPath) {
    case "metadata.name":
      return pod.metadata.name;
    case "metadata.namespace":
      return pod.metadata.namespace ?? "default";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "metadata.labels":
      return formatMap(pod.metadata.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata.annotations);
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return addresses.hostIP;
    case "status.podIP":
    case "status.podIPs":
      return addresses.podIP;
    default:
      throw new RunfleetError("BAD_REQUEST", `unsupported fieldRef ${fieldPath}`);
  }
}

/** The value of a `resourceFieldRef`, divided and rounded up like the kubelet (`limits.cpu` → cores). */
export function resolveResourceFieldRef(
  pod: Pod,
  defaultContainer: Container | undefined,
  ref: ResourceFieldSelector,
  allocatable: NodeAllocatable,
): string {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const container = ref.containerName
    ? containers.find((c) => c.name === ref.containerName)
    : defaultContainer;
  if (!container) {
    throw new RunfleetError("BAD_REQUEST", `resourceFieldRef names no container of pod ${pod.metadata.name}`);
  }
  const [kind, resource] = ref.resource.split(".") as [string, keyof NodeAllocatable | undefined];
  if ((kind !== "limits" && kind !== "requests") || !resource || !(resource in allocatable)) {
    throw new RunfleetError("BAD_REQUEST", `unsupported resourceFieldRef ${ref.resource}`);
  }
  const declared =
    container.resources?.[kind]?.[resource] ??
    (kind === "requests" ? container.resources?.limits?.[resource] : undefined);
  const value = declared === undefined ? (kind === "limits" ? allocatable[resource] : "0") : declared;
  const divisor = parseQuantity(ref.divisor ?? "1");
  return String(Math.ceil(parseQuantity(value) / divisor));
}
