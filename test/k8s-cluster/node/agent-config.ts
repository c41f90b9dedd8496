import { RunfleetError } from "../../../src/errors/index.js";
import { type LatencyRange, parseLatencyRange } from "./fargate/start-latency.js";

export type RuntimeKind = "containers" | "processes";

/** The agent's settings, read once from the environment (names in README.md). */
export interface AgentConfig {
  readonly kubeconfig: string;
  readonly nodeName: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** CA of the API server's kubelet client certificate; unset: any client may read logs. */
  readonly clientCa: string | undefined;
  readonly port: number;
  readonly runtime: RuntimeKind;
  readonly stateDir: string;
  readonly startLatency: LatencyRange;
  readonly launchRatePerSecond: number;
  readonly launchBurst: number;
  readonly maxPods: number;
  /** Longest grace the agent gives pods when it shuts down itself. */
  readonly shutdownGraceSeconds: number;
  readonly leaseSeconds: number;
  /** Taints the Node registers with (a kubelet's --register-with-taints). */
  readonly taints: readonly NodeTaint[];
}

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** `key=value:Effect,key:Effect` as kubelet's --register-with-taints takes it. */
export function parseTaints(text: string | undefined): NodeTaint[] {
  if (!text?.trim()) return [];
  return text.split(",").map((part) => {
    const match = /^([^=:\s]+)(?:=([^:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part.trim());
    if (!match?.[1] || !match[3]) {
      throw new RunfleetError("CONFIG_INVALID", `RUNFLEET_NODE_TAINTS: "${part}" is not key[=value]:Effect`);
    }
    const effect = match[3] as NodeTaint["effect"];
    return match[2] === undefined ? { key: match[1], effect } : { key: match[1], value: match[2], effect };
  });
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) {
    throw new RunfleetError("CONFIG_INVALID", `${name} is not set`, {
      hint: "npm run cluster:up starts the agent with its environment; see test/k8s-cluster/README.md",
    });
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RunfleetError("CONFIG_INVALID", `${name}=${raw} must be an integer ≥ ${min}`);
  }
  return value;
}

export function readAgentConfig(env: Env): AgentConfig {
  const runtime = env.RUNFLEET_NODE_RUNTIME || "containers";
  if (runtime !== "containers" && runtime !== "processes") {
    throw new RunfleetError("CONFIG_INVALID", `RUNFLEET_NODE_RUNTIME=${runtime} is not a runtime`, {
      hint: "use containers (podman) or processes",
    });
  }
  const rate = integer(env, "RUNFLEET_NODE_LAUNCH_RATE", 20, 0);
  return {
    kubeconfig: required(env, "RUNFLEET_NODE_KUBECONFIG"),
    nodeName: env.RUNFLEET_NODE_NAME || "fargate-0",
    tlsCert: required(env, "RUNFLEET_NODE_TLS_CERT"),
    tlsKey: required(env, "RUNFLEET_NODE_TLS_KEY"),
    clientCa: env.RUNFLEET_NODE_CLIENT_CA || undefined,
    port: integer(env, "RUNFLEET_NODE_PORT", 10250, 0),
    runtime,
    stateDir: required(env, "RUNFLEET_NODE_STATE_DIR"),
    // Fargate takes 30–70 s; by default the agent keeps that shape at a hundredth of the time.
    startLatency: parseLatencyRange(
      env.RUNFLEET_NODE_START_LATENCY_MS || "300-700",
      "RUNFLEET_NODE_START_LATENCY_MS",
    ),
    launchRatePerSecond: rate,
    launchBurst: integer(env, "RUNFLEET_NODE_LAUNCH_BURST", rate, 0),
    maxPods: integer(env, "RUNFLEET_NODE_MAX_PODS", 1000, 1),
    shutdownGraceSeconds: integer(env, "RUNFLEET_NODE_SHUTDOWN_GRACE_S", 3, 0),
    leaseSeconds: integer(env, "RUNFLEET_NODE_LEASE_SECONDS", 40, 10),
    taints: parseTaints(env.RUNFLEET_NODE_TAINTS),
  };
}
