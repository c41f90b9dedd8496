import { describe, expect, it } from "vitest";
import type { Pod, Volume } from "../kube/types.js";
import type { KeyValues } from "../pod/references.js";
import { type ProjectionContext, projectVolume, tokenNeeds } from "./project-volume.js";

const pod: Pod = {
  metadata: { name: "job-1", namespace: "ci", uid: "u1", labels: { app: "ci" } },
  spec: { containers: [{ name: "build" }] },
};
const ctx: ProjectionContext = {
  pod,
  objects: {
    configMaps: new Map<string, KeyValues>([
      ["kube-root-ca.crt", { "ca.crt": Buffer.from("CA") }],
      ["cfg", { a: Buffer.from("1"), b: Buffer.from("2") }],
    ]),
    secrets: new Map([["sec", { user: Buffer.from("bob") }]]),
  },
  addresses: { hostIP: "127.0.0.1", podIP: "127.0.0.1" },
  allocatable: { cpu: "4", memory: "8Gi", "ephemeral-storage": "50Gi" },
  tokens: new Map([["kube-api-access-x/token", "jwt"]]),
};

/** The default kube-api-access volume the ServiceAccount admission plugin injects. */
const kubeApiAccess: Volume = {
  name: "kube-api-access-x",
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
    ],
  },
};

const summary = (volume: Volume) => {
  const content = projectVolume(volume, ctx);
  return content.kind === "emptyDir"
    ? "emptyDir"
    : content.files.map((f) => `${f.path}=${f.content.toString()}@${f.mode.toString(8)}`);
};

describe("projectVolume", () => {
  it.each<{ volume: Volume; files: string | string[] }>([
    { volume: { name: "w", emptyDir: {} }, files: "emptyDir" },
    { volume: kubeApiAccess, files: ["token=jwt@644", "ca.crt=CA@644", "namespace=ci@644"] },
    { volume: { name: "c", configMap: { name: "cfg" } }, files: ["a=1@644", "b=2@644"] },
    {
      volume: {
        name: "c",
        configMap: { name: "cfg", defaultMode: 0o600, items: [{ key: "b", path: "x/b.txt" }] },
      },
      files: ["x/b.txt=2@600"],
    },
    {
      volume: { name: "s", secret: { secretName: "sec", items: [{ key: "user", path: "u", mode: 0o400 }] } },
      files: ["u=bob@400"],
    },
    { volume: { name: "s", secret: { secretName: "none", optional: true } }, files: [] },
    {
      volume: {
        name: "d",
        downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
      },
      files: ['labels=app="ci"@644'],
    },
  ])("$volume.name", ({ volume, files }) => {
    expect(summary(volume)).toEqual(files);
  });

  it.each<{ volume: Volume; error: RegExp }>([
    { volume: { name: "s", secret: { secretName: "none" } }, error: /secret "none" not found/ },
    {
      volume: { name: "c", configMap: { name: "cfg", items: [{ key: "zz", path: "z" }] } },
      error: /no key zz/,
    },
    { volume: { name: "h", hostPath: { path: "/etc" } }, error: /hostPath volumes are not supported/ },
    {
      volume: { name: "c", configMap: { name: "cfg", items: [{ key: "a", path: "../x" }] } },
      error: /relative/,
    },
  ])("rejects $volume.name ($error)", ({ volume, error }) => {
    expect(() => projectVolume(volume, ctx)).toThrow(error);
  });

  it("lists the tokens a pod needs", () => {
    const withToken: Pod = { ...pod, spec: { ...pod.spec, volumes: [kubeApiAccess] } };
    expect(tokenNeeds(withToken)).toEqual([
      { key: "kube-api-access-x/token", audience: undefined, expirationSeconds: 3607 },
    ]);
  });
});
