import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { RunfleetError } from "../../../../src/errors/index.js";

/** What the agent needs from a kubeconfig: where the API server is and the TLS material to reach it. */
export interface KubeCredentials {
  readonly server: URL;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

type Doc = Record<string, unknown>;

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function named(list: unknown, name: string, kind: string, file: string): Doc {
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (isDoc(entry) && entry.name === name && isDoc(entry[kind])) return entry[kind];
    }
  }
  throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file} has no ${kind} named "${name}"`, {
    hint: `check the ${kind}s list and current-context`,
  });
}

/** Reads `<field>-data` (base64) or `<field>` (a path relative to the kubeconfig's folder). */
function material(section: Doc, field: string, file: string): Buffer {
  const inline = section[`${field}-data`];
  if (typeof inline === "string") return Buffer.from(inline, "base64");
  const path = section[field];
  if (typeof path === "string") {
    const full = isAbsolute(path) ? path : resolve(dirname(file), path);
    try {
      return readFileSync(full);
    } catch (cause) {
      throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file}: cannot read ${field} ${full}`, {
        cause,
      });
    }
  }
  throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file} lacks ${field} or ${field}-data`, {
    hint: "the node agent authenticates with a client certificate (CN=system:node:<name>)",
  });
}

/** Parses a kubeconfig's current context into credentials. Pure apart from reading referenced files. */
export function parseKubeconfig(text: string, file: string): KubeCredentials {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file} is not valid YAML`, { cause });
  }
  if (!isDoc(doc) || typeof doc["current-context"] !== "string") {
    throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file} has no current-context`);
  }
  const context = named(doc.contexts, doc["current-context"], "context", file);
  const cluster = named(doc.clusters, String(context.cluster), "cluster", file);
  const user = named(doc.users, String(context.user), "user", file);
  if (typeof cluster.server !== "string") {
    throw new RunfleetError("CONFIG_INVALID", `kubeconfig ${file}: cluster has no server URL`);
  }
  return {
    server: new URL(cluster.server),
    ca: material(cluster, "certificate-authority", file),
    cert: material(user, "client-certificate", file),
    key: material(user, "client-key", file),
  };
}

export function loadKubeconfig(file: string): KubeCredentials {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new RunfleetError("CONFIG_NOT_FOUND", `cannot read kubeconfig ${file}`, {
      cause,
      hint: "set RUNFLEET_NODE_KUBECONFIG to the node's kubeconfig (npm run cluster:up writes it)",
    });
  }
  return parseKubeconfig(text, file);
}
