import { apiTime } from "../pod/pod-status.js";

export interface NodeFacts {
  readonly name: string;
  readonly port: number;
  readonly maxPods: number;
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
  readonly kubeletVersion: string;
  readonly runtime: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly architecture: string;
  readonly taints: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
}

const conditionSpecs = [
  {
    type: "MemoryPressure",
    status: "False",
    reason: "KubeletHasSufficientMemory",
    message: "kubelet has sufficient memory available",
  },
  {
    type: "DiskPressure",
    status: "False",
    reason: "KubeletHasNoDiskPressure",
    message: "kubelet has no disk pressure",
  },
  {
    type: "PIDPressure",
    status: "False",
    reason: "KubeletHasSufficientPID",
    message: "kubelet has sufficient PID available",
  },
  { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
] as const;

/** The node's status: what it offers, where its kubelet endpoint is, and that it is healthy. Pure. */
export function nodeStatus(facts: NodeFacts, now: Date, since: Date): Record<string, unknown> {
  const resources = {
    cpu: facts.cpu,
    memory: facts.memory,
    "ephemeral-storage": facts.ephemeralStorage,
    pods: String(facts.maxPods),
  };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: conditionSpecs.map((c) => ({
      ...c,
      lastHeartbeatTime: apiTime(now),
      lastTransitionTime: apiTime(since),
    })),
    addresses: [
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: facts.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.port } },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: facts.runtime,
      kubeletVersion: facts.kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: facts.architecture,
    },
  };
}

/** The Node object to create. Labels mirror an EKS Fargate node's so selectors written for it match. */
export function nodeObject(facts: NodeFacts, now: Date): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: facts.name,
      labels: {
        "kubernetes.io/hostname": facts.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": facts.architecture,
        "eks.amazonaws.com/compute-type": "fargate",
        "runfleet.io/runtime": facts.runtime.split(":")[0] ?? facts.runtime,
      },
    },
    spec: facts.taints.length ? { taints: facts.taints } : {},
    status: nodeStatus(facts, now, now),
  };
}

/** The node's Lease in kube-node-lease; the node lifecycle controller watches its renewTime. */
export function leaseObject(
  name: string,
  nodeUid: string | undefined,
  seconds: number,
  now: Date,
): Record<string, unknown> {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace: "kube-node-lease",
      ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: nodeUid }] } : {}),
    },
    spec: {
      holderIdentity: name,
      leaseDurationSeconds: seconds,
      renewTime: now.toISOString().replace(/Z$/, "000Z"),
    },
  };
}
