/**
 * Makes an image available by its pull policies, tried in order (each one a fallback for the one
 * before): `never` uses only what the engine has, `if-not-present` pulls when it has nothing, `always`
 * pulls every time. Mirrors apply first; credentials go with the pull.
 */
import type { PullPolicy } from "../../protocol/index.js";
import type { DockerClient, ImageInfo } from "./docker-client.js";
import { EngineUnreachableError } from "./http-docker-client.js";
import { ImagePullError } from "./image-pull-error.js";
import { registryOf, rewriteImage } from "./image-reference.js";
import { type AuthSources, encodeRegistryAuth, findRegistryLogin } from "./registry-auth.js";

export interface PullRequest {
  readonly name: string;
  readonly policies: readonly PullPolicy[];
  readonly rewrites: Readonly<Record<string, string>>;
  readonly auth: AuthSources;
  readonly log: (line: string) => void;
  /** Aborted when the job's time runs out: the pull stops and the job fails. */
  readonly signal?: AbortSignal;
}

export interface PulledImage {
  /** The reference containers are created from (normalized, mirror applied). */
  readonly ref: string;
  readonly info: ImageInfo;
}

export async function ensureImage(client: DockerClient, req: PullRequest): Promise<PulledImage> {
  const ref = rewriteImage(req.name, req.rewrites);
  const shown = ref === req.name ? ref : `${req.name} (as ${ref})`;
  const errors: string[] = [];
  let lastCause: unknown;
  for (const policy of req.policies) {
    if (policy !== "always") {
      const local = await client.inspectImage(ref);
      if (local) {
        req.log(`Using locally present image ${shown} (pull_policy ${policy})`);
        return { ref, info: local };
      }
      if (policy === "never") {
        errors.push(`the image is not present on the engine and pull_policy is never`);
        continue;
      }
    }
    req.log(`Pulling docker image ${shown} (pull_policy ${policy})...`);
    const login = findRegistryLogin(registryOf(ref), req.auth);
    try {
      await client.pullImage(ref, {
        ...(login ? { registryAuth: encodeRegistryAuth(login) } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const info = await client.inspectImage(ref);
      if (info) return { ref, info };
      errors.push("the engine reported the pull done but has no such image");
    } catch (err) {
      // The engine itself being down is a runner failure, not a problem with the image.
      if (err instanceof EngineUnreachableError) throw err;
      if (req.signal?.aborted) throw req.signal.reason;
      lastCause = err;
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  throw new ImagePullError(`failed to pull image "${shown}": ${errors.join("; ")}`, {
    hint: "check the image name and tag, the registry credentials (DOCKER_AUTH_CONFIG) and pull_policy",
    cause: lastCause,
  });
}
