/** Secrets the coordinator hands out: random, prefixed like GitLab's, and stored only as sha256. */
import { hash, randomBytes } from "node:crypto";

export type TokenKind = "runner" | "registration" | "job";

const PREFIX: Record<TokenKind, string> = {
  runner: "glrt-",
  registration: "GR1348941",
  job: "glcbt-",
};

const TOKEN_BYTES = 20;
/** Random bytes drawn for many tokens at once: one call per token costs more than the token. */
const POOL_TOKENS = 128;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function newToken(kind: TokenKind): string {
  if (poolOffset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + TOKEN_BYTES);
  poolOffset += TOKEN_BYTES;
  return `${PREFIX[kind]}${bytes.toString("base64url")}`;
}

/**
 * Digests of tokens seen lately. A job's token arrives with its acknowledgement, every trace patch and
 * its final update, and a runner's with every poll; the digest of a string never changes, so a
 * bounded memo answers most calls without hashing. Two generations bound it: when the young one is
 * full it becomes the old one and the oldest is dropped whole — evicting entry by entry from a Map's
 * front walks past every earlier deletion.
 */
const GENERATION_SIZE = 4096;
let young = new Map<string, string>();
let old = new Map<string, string>();

export function hashToken(token: string): string {
  const known = young.get(token);
  if (known !== undefined) return known;
  const digest = old.get(token) ?? hash("sha256", token, "hex");
  if (young.size >= GENERATION_SIZE) {
    old = young;
    young = new Map();
  }
  young.set(token, digest);
  return digest;
}

/** Prefixes the runner masks in traces (`features.token_mask_prefixes`). */
export const TOKEN_MASK_PREFIXES: readonly string[] = [PREFIX.runner, PREFIX.job, PREFIX.registration];
