import { randomBytes } from "node:crypto";
import { toRunfleetError } from "../../../../src/errors/index.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { Pod } from "../kube/types.js";
import { apiTime } from "./pod-status.js";

export type EventType = "Normal" | "Warning";

/**
 * Pod events as the kubelet writes them (Created, Started, Killing, Failed, BackOff…), so
 * `kubectl describe pod` and a runner that reads events see what happened on the node. Best
 * effort: an event that cannot be written is logged and dropped.
 */
export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly nodeName: string,
    private readonly log: (message: string) => void,
  ) {}

  record(pod: Pod, type: EventType, reason: string, message: string, container?: string): void {
    const namespace = pod.metadata.namespace ?? "default";
    const now = apiTime(new Date());
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        name: pod.metadata.name,
        namespace,
        uid: pod.metadata.uid,
        ...(container ? { fieldPath: containerFieldPath(pod, container) } : {}),
      },
      type,
      reason,
      message,
      source: { component: "kubelet", host: this.nodeName },
      reportingComponent: "kubelet",
      reportingInstance: this.nodeName,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.client
      .call("POST", `/api/v1/namespaces/${namespace}/events`, { body: event })
      .catch((err: unknown) =>
        this.log(`event ${reason} for ${namespace}/${pod.metadata.name}: ${toRunfleetError(err).message}`),
      );
  }
}

/** `spec.containers{name}` or `spec.initContainers{name}`, as the kubelet refers to a container. */
export function containerFieldPath(pod: Pod, container: string): string {
  const init = pod.spec.initContainers?.some((c) => c.name === container);
  return `spec.${init ? "initContainers" : "containers"}{${container}}`;
}
