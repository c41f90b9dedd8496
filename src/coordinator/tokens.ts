/** Secrets the coordinator hands out: random, prefixed like GitLab's, and stored only as sha256. */
import { hash, randomBytes } from "node:crypto";

export type TokenKind = "runner" | "registration" | "job";

const PREFIX: Record<TokenKind, string> = {
  runner: "glrt-",
  registration: "GR1348941",
  job: "glcbt-",
};

export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}${randomBytes(20).toString("base64url")}`;
}

/** Every job call carries its token; the one-shot digest avoids a Hash object per request. */
export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
}

/** Prefixes the runner masks in traces (`features.token_mask_prefixes`). */
export const TOKEN_MASK_PREFIXES: readonly string[] = [PREFIX.runner, PREFIX.job, PREFIX.registration];
