import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { IdTokens, Secrets } from "./types.js";
import { get, toPlain, type YNode } from "./yaml-tree.js";

/** `secrets:` — each secret a mapping naming its provider (vault, azure_key_vault, gcp_secret_manager…). */
export function buildSecrets(node: YNode, path: string, check: Check): Secrets | undefined {
  const map = check.map(node, path, "secrets");
  if (map === undefined) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, { value }] of map.entries) {
    const secret = check.map(value, child(path, name), name);
    if (secret !== undefined) out[name] = toPlain(secret) as Record<string, unknown>;
  }
  return out;
}

/** `id_tokens:` — `NAME: { aud: string | [strings] }`. */
export function buildIdTokens(node: YNode, path: string, check: Check): IdTokens | undefined {
  const map = check.map(node, path, "id_tokens");
  if (map === undefined) return undefined;
  const out: Record<string, { aud: string[] }> = {};
  for (const [name, { value }] of map.entries) {
    const tokenPath = child(path, name);
    const token = check.map(value, tokenPath, name);
    if (token === undefined) continue;
    check.keys(token, tokenPath, new Set(["aud"]), "id_tokens");
    const aud = get(token, "aud");
    if (aud === undefined) {
      check.error(`id token \`${name}\` needs \`aud\``, value, tokenPath);
      continue;
    }
    const values = check.strings(aud, child(tokenPath, "aud"));
    if (values !== undefined) out[name] = { aud: values };
  }
  return out;
}
