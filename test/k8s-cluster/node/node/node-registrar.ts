import { isApiStatus } from "../kube/kube-api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import { leaseObject, type NodeFacts, nodeObject, nodeStatus } from "./node-object.js";

const mergePatch = "application/merge-patch+json";

/**
 * Registers the Node, then keeps it alive the way a kubelet does: the Lease renewed every quarter of
 * its duration (the node lifecycle controller's main signal) and the status with its heartbeat
 * every 30 s. Failures are logged and retried on the next tick; they never stop the agent.
 */
export class NodeRegistrar {
  private readonly since = new Date();
  private nodeUid: string | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly facts: NodeFacts,
    private readonly leaseSeconds: number,
    private readonly log: (message: string) => void,
  ) {}

  async register(): Promise<void> {
    const path = "/api/v1/nodes";
    try {
      const created = await this.client.call<{ metadata: { uid: string } }>("POST", path, {
        body: nodeObject(this.facts, new Date()),
      });
      this.nodeUid = created.metadata.uid;
      this.log(`registered node ${this.facts.name}`);
    } catch (err) {
      if (!isApiStatus(409, err)) throw err;
      const existing = await this.client.call<{ metadata: { uid: string } }>(
        "GET",
        `${path}/${this.facts.name}`,
      );
      this.nodeUid = existing.metadata.uid;
      this.log(`node ${this.facts.name} already registered; taking it over`);
    }
    await this.postStatus();
    await this.renewLease();
    this.leaseTimer = setInterval(
      () => void this.renewLease().catch(this.warn),
      (this.leaseSeconds * 1000) / 4,
    );
    this.statusTimer = setInterval(() => void this.postStatus().catch(this.warn), 30_000);
  }

  stop(): void {
    clearInterval(this.leaseTimer);
    clearInterval(this.statusTimer);
  }

  private readonly warn = (err: unknown) =>
    this.log(`heartbeat: ${err instanceof Error ? err.message : String(err)}`);

  private async postStatus(): Promise<void> {
    await this.client.call("PATCH", `/api/v1/nodes/${this.facts.name}/status`, {
      body: { status: nodeStatus(this.facts, new Date(), this.since) },
      contentType: mergePatch,
    });
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`;
    const lease = leaseObject(this.facts.name, this.nodeUid, this.leaseSeconds, new Date());
    try {
      // A merge patch needs no resourceVersion: the agent is the Lease's only writer.
      await this.client.call("PATCH", `${path}/${this.facts.name}`, { body: lease, contentType: mergePatch });
    } catch (err) {
      if (!isApiStatus(404, err)) throw err;
      await this.client.call("POST", path, { body: lease });
    }
  }
}
