/**
 * Image references the way the Docker CLI reads them: `busybox` is `docker.io/library/busybox:latest`,
 * `tutum/wordpress` is `docker.io/tutum/wordpress:latest`, a first component with a dot, a colon or
 * `localhost` names a registry. Registry mirrors (`image_rewrites`) apply to the normalized name.
 */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for Docker Hub. */
  readonly registry: string;
  /** Repository path inside the registry, `library/busybox` for official images. */
  readonly repository: string;
  /** `:tag` or `@sha256:…`; `:latest` when the reference has neither. */
  readonly suffix: string;
}

export function parseImageReference(name: string): ImageReference {
  let rest = name.trim();
  let suffix = "";
  const at = rest.indexOf("@");
  if (at >= 0) {
    suffix = rest.slice(at);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    suffix = `${rest.slice(colon)}${suffix}`;
    rest = rest.slice(0, colon);
  }
  if (suffix === "") suffix = ":latest";
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return { registry: first, repository: rest.slice(slash + 1), suffix };
  }
  const registry = "docker.io";
  return { registry, repository: slash >= 0 ? rest : `library/${rest}`, suffix };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.suffix}`;
}

export function normalizeImageName(name: string): string {
  return formatImageReference(parseImageReference(name));
}

/**
 * Applies the longest matching `image_rewrites` prefix to the normalized name:
 * `{"docker.io/": "mirror.example/dockerhub/"}` turns `postgres:15` into
 * `mirror.example/dockerhub/library/postgres:15`.
 */
export function rewriteImage(name: string, rewrites: Readonly<Record<string, string>>): string {
  const normalized = normalizeImageName(name);
  let best: string | undefined;
  for (const prefix of Object.keys(rewrites))
    if (normalized.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  if (best === undefined) return normalized;
  return `${rewrites[best] ?? best}${normalized.slice(best.length)}`;
}

/** The registry host an image is pulled from, for credential lookup. */
export function registryOf(name: string): string {
  return parseImageReference(name).registry;
}
