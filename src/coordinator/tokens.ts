/**
 * Secrets the coordinator hands out: random, prefixed like GitLab's, and stored only as sha256. A job
 * token also names its job, so its stored digest can start with the job's id: digests then sort in
 * hand-out order and the token index grows at its end instead of at a random page per hand-out.
 */
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

function randomPart(): string {
  if (poolOffset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + TOKEN_BYTES);
  poolOffset += TOKEN_BYTES;
  return bytes.toString("base64url");
}

export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}${randomPart()}`;
}

/** A job's token: `glcbt-<job id, base 36>_<20 random bytes>`. */
export function newJobToken(jobId: number): string {
  return `${PREFIX.job}${jobId.toString(36)}_${randomPart()}`;
}

/** 20 random bytes in base64url. */
const RANDOM_CHARS = 27;
const JOB_ID = /^[0-9a-z]{1,10}$/;

/**
 * The job id a token made by `newJobToken` names, or undefined. Only longer than a plain random token,
 * so a token from before ids were in them (which may hold `_` anywhere) is never read as one.
 */
export function jobIdOfToken(token: string): number | undefined {
  if (!token.startsWith(PREFIX.job)) return undefined;
  const rest = token.length - PREFIX.job.length;
  if (rest < RANDOM_CHARS + 2 || token[token.length - RANDOM_CHARS - 1] !== "_") return undefined;
  const id = token.slice(PREFIX.job.length, token.length - RANDOM_CHARS - 1);
  return JOB_ID.test(id) ? Number.parseInt(id, 36) : undefined;
}

/** The digest stored for a token: its sha256, after the job's id in fixed-width hex for a job token. */
function digestOf(token: string): string {
  const digest = hash("sha256", token, "hex");
  const jobId = jobIdOfToken(token);
  return jobId === undefined ? digest : `${jobId.toString(16).padStart(13, "0")}.${digest}`;
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
  const digest = old.get(token) ?? digestOf(token);
  if (young.size >= GENERATION_SIZE) {
    old = young;
    young = new Map();
  }
  young.set(token, digest);
  return digest;
}

/** Prefixes the runner masks in traces (`features.token_mask_prefixes`). */
export const TOKEN_MASK_PREFIXES: readonly string[] = [PREFIX.runner, PREFIX.job, PREFIX.registration];
