/**
 * Host names a service answers to, as GitLab derives them: the image name without tag or digest, with
 * `/` turned into `__` and into `-` (`tutum/wordpress` → `tutum__wordpress`, `tutum-wordpress`), plus
 * the explicit `alias` (several may be given, separated by spaces or commas).
 */
import type { JobImage } from "../../protocol/index.js";

export function imageNameWithoutTag(name: string): string {
  let rest = name.trim();
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) rest = rest.slice(0, colon);
  return rest;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

export function serviceAliases(service: Pick<JobImage, "name" | "alias">): string[] {
  const base = imageNameWithoutTag(service.name);
  const derived = [base.replaceAll("/", "__"), base.replaceAll("/", "-")];
  const explicit = (service.alias ?? "").split(/[\s,]+/).filter((a) => a !== "");
  const out: string[] = [];
  for (const alias of [...explicit, ...derived])
    if (HOSTNAME.test(alias) && !out.includes(alias)) out.push(alias);
  return out;
}
