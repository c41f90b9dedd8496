import { readFileSync } from "node:fs";
import type { Server } from "node:https";
import { arch, cpus, release, totalmem } from "node:os";
import type { AgentConfig } from "./agent-config.js";
import { FargateModel } from "./fargate/fargate-model.js";
import { Informer } from "./kube/informer.js";
import { HttpsKubeClient } from "./kube/kube-client.js";
import { loadKubeconfig } from "./kube/kubeconfig.js";
import type { Pod } from "./kube/types.js";
import { startKubeletServer } from "./logs/log-server.js";
import { LogStore } from "./logs/log-store.js";
import type { NodeFacts } from "./node/node-object.js";
import { NodeRegistrar } from "./node/node-registrar.js";
import { EventRecorder } from "./pod/event-recorder.js";
import { PodManager } from "./pod/pod-manager.js";
import { ContainerRuntime } from "./runtimes/container-runtime.js";
import type { PodRuntime } from "./runtimes/pod-runtime.js";
import { ProcessRuntime } from "./runtimes/process-runtime.js";

export interface RunningAgent {
  readonly port: number;
  /** Stops pods (bounded grace), their containers or processes, the watch, heartbeats and server. */
  stop(): Promise<void>;
}

/** The version this node reports; it matches the control plane the test cluster builds. */
const kubeletVersion = "v1.33.13";

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

export async function startAgent(config: AgentConfig, log: (message: string) => void): Promise<RunningAgent> {
  const creds = loadKubeconfig(config.kubeconfig);
  const client = new HttpsKubeClient(creds);
  const runtime: PodRuntime =
    config.runtime === "containers"
      ? new ContainerRuntime(config.nodeName, log)
      : new ProcessRuntime(config.stateDir);
  // Whatever a previous run of this node left behind goes before anything new starts.
  await runtime.cleanupAll();
  const logs = new LogStore(config.stateDir);
  const server: Server = await startKubeletServer(logs, {
    cert: readFileSync(config.tlsCert),
    key: readFileSync(config.tlsKey),
    clientCa: config.clientCa ? readFileSync(config.clientCa) : undefined,
    port: config.port,
    host: "127.0.0.1",
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const allocatable = {
    cpu: String(cpus().length * 8),
    memory: `${Math.floor(totalmem() / 1024 ** 2) * 8}Mi`,
    "ephemeral-storage": "1000Gi",
  };
  const facts: NodeFacts = {
    name: config.nodeName,
    port,
    maxPods: config.maxPods,
    cpu: allocatable.cpu,
    memory: allocatable.memory,
    ephemeralStorage: allocatable["ephemeral-storage"],
    kubeletVersion,
    runtime: config.runtime === "containers" ? "podman://" : "processes://",
    kernelVersion: release(),
    osImage: osImage(),
    architecture: arch() === "x64" ? "amd64" : arch(),
    taints: config.taints,
  };
  const registrar = new NodeRegistrar(client, facts, config.leaseSeconds, log);
  await registrar.register();
  const manager = new PodManager(
    {
      client,
      runtime,
      logs,
      fargate: new FargateModel({
        startLatency: config.startLatency,
        launchRatePerSecond: config.launchRatePerSecond,
        launchBurst: config.launchBurst,
      }),
      addresses: { hostIP: "127.0.0.1", podIP: "127.0.0.1" },
      allocatable,
      apiServer: { host: creds.server.hostname, port: Number(creds.server.port || 443) },
      stateDir: config.stateDir,
      log,
      events: new EventRecorder(client, config.nodeName, log),
    },
    config.nodeName,
  );
  const informer = new Informer<Pod>(
    client,
    "/api/v1/pods",
    `spec.nodeName=${config.nodeName}`,
    manager,
    log,
  );
  await informer.start();
  log(`node ${config.nodeName} ready: runtime ${config.runtime}, kubelet endpoint 127.0.0.1:${port}`);
  return {
    port,
    async stop() {
      const began = Date.now();
      const pods = manager.size;
      await manager.shutdown(config.shutdownGraceSeconds);
      log(`${pods} pod(s) stopped after ${Date.now() - began} ms`);
      await informer.stop();
      registrar.stop();
      await runtime.cleanupAll();
      log(`runtime cleaned up after ${Date.now() - began} ms`);
      // close() alone waits for the API server's idle keep-alive connections and open log followers.
      const closed = new Promise((done) => server.close(done));
      server.closeAllConnections();
      await closed;
      client.close();
    },
  };
}
