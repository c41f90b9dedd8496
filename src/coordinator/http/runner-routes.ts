/** `POST /runners` (registration token), `POST /runners/verify`, `DELETE /runners`, `DELETE /runners/managers`. */
import { hashToken, newToken } from "../tokens.js";
import type { ApiContext } from "./api-context.js";
import { FORBIDDEN, json, type Reply } from "./http-io.js";
import {
  type JsonObject,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
  tagList,
} from "./validate.js";

export async function registerRunner(ctx: ApiContext, body: JsonObject): Promise<Reply> {
  const registration = requiredString(body, "token");
  if (!(await ctx.store.hasRegistrationToken(hashToken(registration)))) return FORBIDDEN;
  const tags = tagList(body);
  const token = newToken("runner");
  const runner = await ctx.store.createRunner({
    tokenHash: hashToken(token),
    description: optionalString(body, "description") ?? "",
    tags,
    runUntagged: optionalBoolean(body, "run_untagged") ?? tags.length === 0,
    locked: optionalBoolean(body, "locked") ?? false,
    paused: optionalBoolean(body, "paused") ?? false,
    projectId: null,
    maximumTimeout: optionalInteger(body, "maximum_timeout") ?? null,
    createdAt: ctx.clock(),
  });
  return json(201, { id: runner.id, token, token_expires_at: null });
}

export async function verifyRunner(ctx: ApiContext, body: JsonObject): Promise<Reply> {
  const token = requiredString(body, "token");
  const runner = await ctx.store.findRunnerByTokenHash(hashToken(token));
  if (runner === undefined) return FORBIDDEN;
  await ctx.store.touchRunner(runner.id, ctx.clock());
  return json(200, { id: runner.id, token, token_expires_at: null });
}

export async function deleteRunner(ctx: ApiContext, body: JsonObject): Promise<Reply> {
  const hash = hashToken(requiredString(body, "token"));
  const runner = await ctx.store.findRunnerByTokenHash(hash);
  if (runner === undefined) return FORBIDDEN;
  await ctx.store.revokeRunner(runner.id);
  ctx.runners.forget(hash);
  return { status: 204 };
}

/** A manager (one `system_id`) going away; the runner itself stays. */
export async function deleteManager(ctx: ApiContext, body: JsonObject): Promise<Reply> {
  const runner = await ctx.store.findRunnerByTokenHash(hashToken(requiredString(body, "token")));
  return runner === undefined ? FORBIDDEN : { status: 204 };
}
