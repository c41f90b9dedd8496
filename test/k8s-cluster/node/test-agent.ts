/**
 * Starts an extra node agent against the running test cluster, for suites that need a runtime the
 * cluster's own node does not use. It gets its own identity (a client certificate for
 * system:node:<name> signed with the test cluster's CA), registers tainted so the scheduler never
 * places other pods on it (pods reach it by spec.nodeName), and is removed with its Node at the end.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RunfleetError } from "../../../src/errors/index.js";
import { kubectl, waitUntil } from "../test-cluster.js";

export interface TestAgent {
  readonly nodeName: string;
  readonly process: ChildProcess;
  readonly stateDir: string;
  output(): string;
  /** SIGTERM, wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Stops it if still running and deletes its Node, Lease and files. */
  remove(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The cluster's PKI folder beside its kubeconfig folder, when this machine made the cluster. */
export function clusterPki(adminKubeconfig: string): string | undefined {
  const pki = join(dirname(adminKubeconfig), "..", "pki");
  return existsSync(join(pki, "ca.key")) && existsSync(join(pki, "node-fargate-0-serving.crt"))
    ? pki
    : undefined;
}

const quiet = { stdio: "pipe" } as const;

function nodeKubeconfig(dir: string, pki: string, name: string, server: string): string {
  const key = join(dir, "node.key");
  const csr = join(dir, "node.csr");
  const crt = join(dir, "node.crt");
  execFileSync(
    "openssl",
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
    quiet,
  );
  execFileSync(
    "openssl",
    ["req", "-new", "-key", key, "-subj", `/O=system:nodes/CN=system:node:${name}`, "-out", csr],
    quiet,
  );
  execFileSync(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      join(pki, "ca.crt"),
      "-CAkey",
      join(pki, "ca.key"),
      "-CAserial",
      join(dir, "ca.srl"),
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      crt,
    ],
    quiet,
  );
  const b64 = (file: string) => readFileSync(file).toString("base64");
  const file = join(dir, "node.kubeconfig");
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `- name: test\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${b64(join(pki, "ca.crt"))}`,
      "users:",
      `- name: node\n  user:\n    client-certificate-data: ${b64(crt)}\n    client-key-data: ${b64(key)}`,
      "contexts:",
      "- name: node\n  context:\n    cluster: test\n    user: node",
      "current-context: node",
      "",
    ].join("\n"),
  );
  return file;
}

export async function startTestAgent(
  adminKubeconfig: string,
  nodeName: string,
  env: Readonly<Record<string, string>>,
): Promise<TestAgent> {
  const pki = clusterPki(adminKubeconfig);
  if (!pki) throw new RunfleetError("UNAVAILABLE", `no test-cluster PKI beside ${adminKubeconfig}`);
  const server = (
    await kubectl(adminKubeconfig, [
      "config",
      "view",
      "--minify",
      "-o",
      "jsonpath={.clusters[0].cluster.server}",
    ])
  ).stdout;
  const dir = mkdtempSync(join(tmpdir(), `runfleet-${nodeName}-`));
  const child = spawn(
    join(repoRoot, "node_modules", ".bin", "tsx"),
    [join(repoRoot, "test/k8s-cluster/node/main.ts")],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        RUNFLEET_NODE_KUBECONFIG: nodeKubeconfig(dir, pki, nodeName, server),
        RUNFLEET_NODE_NAME: nodeName,
        RUNFLEET_NODE_TLS_CERT: join(pki, "node-fargate-0-serving.crt"),
        RUNFLEET_NODE_TLS_KEY: join(pki, "node-fargate-0-serving.key"),
        RUNFLEET_NODE_CLIENT_CA: join(pki, "ca.crt"),
        RUNFLEET_NODE_PORT: "0",
        RUNFLEET_NODE_STATE_DIR: join(dir, "state"),
        RUNFLEET_NODE_TAINTS: "runfleet.io/test-node=true:NoSchedule",
        ...env,
      },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const stop = async () => {
    if (running) child.kill("SIGTERM");
    return exited;
  };
  const admin = (args: readonly string[]) => kubectl(adminKubeconfig, args);
  const agent: TestAgent = {
    nodeName,
    process: child,
    stateDir: join(dir, "state"),
    output: () => output,
    stop,
    async remove() {
      await stop();
      await admin(["delete", "node", nodeName, "--ignore-not-found", "--wait=false"]);
      await admin(["-n", "kube-node-lease", "delete", "lease", nodeName, "--ignore-not-found"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(
      `node ${nodeName} Ready`,
      async () => {
        if (!running) throw new RunfleetError("UNAVAILABLE", `agent ${nodeName} exited:\n${output}`);
        const ready = await admin([
          "get",
          "node",
          nodeName,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return ready.stdout === "True";
      },
      60_000,
    );
  } catch (err) {
    await agent.remove();
    throw err;
  }
  return agent;
}
