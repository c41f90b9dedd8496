/** Secrets the coordinator hands out: random, prefixed like GitLab's, and stored only as sha256. */
import { createHash, randomBytes } from "node:crypto";

export type TokenKind = "runner" | "registration" | "job";

const PREFIX: Record<TokenKind, string> = {
  runner: "glrt-",
  registration: "GR1348941",
  job: "glcbt-",
};

export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}${randomBytes(20).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Prefixes the runner masks in traces (`features.token_mask_prefixes`). */
export const TOKEN_MASK_PREFIXES: readonly string[] = [PREFIX.runner, PREFIX.job, PREFIX.registration];
