/**
 * Finds the test cluster started by `npm run cluster:up` and runs kubectl against it, for the suites
 * that need a real API server. KUBECONFIG from the environment wins; otherwise the state dir's admin
 * kubeconfig is used.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RunfleetError } from "../../src/errors/index.js";

export const DEFAULT_TEST_IMAGE = "localhost/runfleet-test/busybox:latest";

export interface TestCluster {
  /** Admin kubeconfig (system:masters). */
  readonly kubeconfig: string;
  /** Token kubeconfig of ServiceAccount runfleet-jobs/runfleet-runner. */
  readonly runnerKubeconfig: string;
  readonly nodeName: string;
  readonly testImage: string;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function locateTestCluster(env: NodeJS.ProcessEnv = process.env): TestCluster {
  const stateDir = env.RUNFLEET_CLUSTER_DIR ?? join(homedir(), ".cache", "runfleet", "cluster");
  const kubeconfig = env.KUBECONFIG ?? join(stateDir, "kubeconfig", "admin.kubeconfig");
  return {
    kubeconfig,
    runnerKubeconfig: join(dirname(kubeconfig), "runner.kubeconfig"),
    nodeName: env.RUNFLEET_NODE_NAME ?? "fargate-0",
    testImage: env.TEST_IMAGE ?? DEFAULT_TEST_IMAGE,
  };
}

/** The Kubernetes release the wrapper module in build/ pins: what the API server must report. */
export function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "build", "go.mod"), "utf8");
  const match = /^\s*(?:require\s+)?k8s\.io\/kubernetes (v\d+\.\d+\.\d+)\b/m.exec(goMod);
  if (match?.[1] === undefined)
    throw new RunfleetError("INTERNAL", "build/go.mod has no 'require k8s.io/kubernetes vX.Y.Z' line", {
      hint: "the wrapper module must require one exact k8s.io/kubernetes release",
    });
  return match[1];
}

export function kubectl(kubeconfig: string, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "kubectl",
      [`--kubeconfig=${kubeconfig}`, "--request-timeout=20s", ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** True when a cluster answers /readyz with the given kubeconfig. */
export async function clusterAnswers(cluster: TestCluster): Promise<boolean> {
  if (!existsSync(cluster.kubeconfig)) return false;
  const result = await kubectl(cluster.kubeconfig, ["get", "--raw", "/readyz", "--request-timeout=15s"]);
  return result.code === 0 && result.stdout.trim() === "ok";
}

export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new RunfleetError("UNAVAILABLE", `timed out after ${timeoutMs} ms waiting for ${what}`);
}
