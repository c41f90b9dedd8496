import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import { parseKubeconfig } from "./kubeconfig.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const dir = mkdtempSync(join(tmpdir(), "runfleet-kubeconfig-"));
writeFileSync(join(dir, "client.key"), "KEY FROM FILE");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = (user: string, current = "node") => `
apiVersion: v1
kind: Config
current-context: ${current}
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64("CA")}
contexts:
- name: node
  context: {cluster: test, user: node}
users:
- name: node
  user:
${user}
`;

describe("parseKubeconfig", () => {
  it("reads inline data and files relative to the kubeconfig", () => {
    const creds = parseKubeconfig(
      doc(`    client-certificate-data: ${b64("CERT")}\n    client-key: client.key`),
      join(dir, "node.kubeconfig"),
    );
    expect(creds.server.href).toBe("https://127.0.0.1:6443/");
    expect([creds.ca, creds.cert, creds.key].map(String)).toEqual(["CA", "CERT", "KEY FROM FILE"]);
  });

  it.each([
    { name: "no client key", text: doc(`    client-certificate-data: ${b64("CERT")}`), error: /client-key/ },
    { name: "unknown context", text: doc("    token: x", "other"), error: /no context named "other"/ },
    {
      name: "missing key file",
      text: doc(`    client-certificate-data: x\n    client-key: nope.key`),
      error: /cannot read/,
    },
    { name: "not YAML", text: "a: [", error: /not valid YAML/ },
  ])("$name is a config error", ({ text, error }) => {
    const parse = () => parseKubeconfig(text, join(dir, "node.kubeconfig"));
    expect(parse).toThrow(RunfleetError);
    expect(parse).toThrow(error);
  });
});
