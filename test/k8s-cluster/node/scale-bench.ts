/**
 * Scale shape of the Fargate model: starts an extra processes node on the running test cluster,
 * creates N pods pinned to it at once, and reports how long until all succeeded and the rate at
 * which their containers started (launch bucket + start latency). Run:
 *   npx tsx test/k8s-cluster/node/scale-bench.ts [pods=200] [latency=300-700] [rate=20]
 */
import { randomBytes } from "node:crypto";
import { toRunfleetError } from "../../../src/errors/index.js";
import { kubectl, locateTestCluster } from "../test-cluster.js";
import { HttpsKubeClient } from "./kube/kube-client.js";
import { loadKubeconfig } from "./kube/kubeconfig.js";
import type { ObjectList, Pod } from "./kube/types.js";
import { startTestAgent } from "./test-agent.js";

async function main(): Promise<void> {
  const [count = 200, latency = "300-700", rate = "20"] = process.argv.slice(2).map(String) as [
    string?,
    string?,
    string?,
  ];
  const pods = Number(count);
  const cluster = locateTestCluster();
  const suffix = randomBytes(3).toString("hex");
  const namespace = `rf-scale-${suffix}`;
  const agent = await startTestAgent(cluster.kubeconfig, `fargate-scale-${suffix}`, {
    RUNFLEET_NODE_RUNTIME: "processes",
    RUNFLEET_NODE_START_LATENCY_MS: latency,
    RUNFLEET_NODE_LAUNCH_RATE: rate,
  });
  const client = new HttpsKubeClient(loadKubeconfig(cluster.kubeconfig));
  try {
    await kubectl(cluster.kubeconfig, ["create", "namespace", namespace]);
    for (let i = 0; i < 100; i++) {
      const sa = await kubectl(cluster.kubeconfig, [
        "-n",
        namespace,
        "get",
        "serviceaccount/default",
        "configmap/kube-root-ca.crt",
        "-o",
        "name",
      ]);
      if (sa.stdout.trim().split("\n").length === 2) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const began = Date.now();
    await Promise.all(
      Array.from({ length: pods }, (_, i) =>
        client.call("POST", `/api/v1/namespaces/${namespace}/pods`, {
          body: {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: `job-${i}` },
            spec: {
              nodeName: agent.nodeName,
              restartPolicy: "Never",
              containers: [{ name: "build", image: "none", command: ["sh", "-c", "echo job; sleep 1"] }],
            },
          },
        }),
      ),
    );
    const created = Date.now() - began;
    let list: ObjectList<Pod>;
    for (;;) {
      list = await client.call<ObjectList<Pod>>("GET", `/api/v1/namespaces/${namespace}/pods`);
      if (list.items.filter((p) => p.status?.phase === "Succeeded").length === pods) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const done = Date.now() - began;
    const starts = list.items
      .map((p) => p.status?.containerStatuses?.[0]?.state)
      .map((s) => (s && "terminated" in s ? new Date(s.terminated.startedAt ?? 0).getTime() : 0))
      .sort((a, b) => a - b);
    const span = ((starts.at(-1) ?? 0) - (starts[0] ?? 0)) / 1000;
    process.stdout.write(
      `${pods} pods, latency ${latency} ms, launch rate ${rate}/s: created in ${created} ms, ` +
        `all Succeeded after ${(done / 1000).toFixed(1)} s, container starts spread over ${span.toFixed(0)} s ` +
        `(${(pods / Math.max(span, 1)).toFixed(1)}/s)\n`,
    );
  } finally {
    await kubectl(cluster.kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
    await agent.remove();
    client.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${toRunfleetError(err).format()}\n`);
  process.exit(1);
});
