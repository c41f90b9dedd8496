/**
 * Registration as gitlab-runner does it: a `glrt-` authentication token is checked with
 * `POST /runners/verify`; anything else is a registration token exchanged for a runner token with
 * `POST /runners` (tags and run_untagged go with it).
 */
import { RunfleetError } from "../errors/index.js";
import type { RegisterRunnerResponse } from "../protocol/index.js";
import { GitLabApiClient, runnerInfo } from "./api-client.js";
import type { RegisteredRunner } from "./config-file.js";

export interface RegisterInput {
  readonly url: string;
  readonly token: string;
  readonly executor: string;
  readonly name: string;
  readonly tagList: readonly string[];
  readonly runUntagged: boolean;
  readonly systemId: string;
}

export interface RegisterOutcome {
  readonly runner: RegisteredRunner;
  readonly warnings: readonly string[];
}

function parseBody(body: Buffer): Partial<RegisterRunnerResponse> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Partial<RegisterRunnerResponse>) : {};
  } catch {
    return {};
  }
}

export async function registerRunner(input: RegisterInput): Promise<RegisterOutcome> {
  const client = new GitLabApiClient(input.url);
  const info = runnerInfo(input.executor, input.executor === "shell" ? "bash" : "");
  const warnings: string[] = [];
  if (input.token.startsWith("glrt-")) {
    if (input.tagList.length > 0 || input.runUntagged) {
      warnings.push(
        "tags and run-untagged belong to where the runner was created; --tag-list/--run-untagged are ignored for glrt- tokens",
      );
    }
    const res = await client.verifyRunner({ token: input.token, system_id: input.systemId, info });
    if (res.status === 200) {
      const body = parseBody(res.body);
      return {
        runner: {
          name: input.name,
          url: input.url,
          token: input.token,
          executor: input.executor,
          ...(typeof body.id === "number" ? { id: body.id } : {}),
          ...(body.token_expires_at !== undefined ? { tokenExpiresAt: body.token_expires_at } : {}),
        },
        warnings,
      };
    }
    throw refusal(res.status, "verify the runner token", input.url);
  }
  const res = await client.registerRunner({
    token: input.token,
    description: input.name,
    tag_list: input.tagList.join(","),
    run_untagged: input.runUntagged || input.tagList.length === 0,
    info,
  });
  if (res.status !== 201) throw refusal(res.status, "register with the registration token", input.url);
  const body = parseBody(res.body);
  if (typeof body.token !== "string") {
    throw new RunfleetError("BAD_REQUEST", `${input.url} accepted the registration but sent no runner token`);
  }
  return {
    runner: {
      name: input.name,
      url: input.url,
      token: body.token,
      executor: input.executor,
      ...(typeof body.id === "number" ? { id: body.id } : {}),
      ...(body.token_expires_at !== undefined ? { tokenExpiresAt: body.token_expires_at } : {}),
    },
    warnings,
  };
}

function refusal(status: number, what: string, url: string): RunfleetError {
  if (status === 403 || status === 401) {
    return new RunfleetError("UNAUTHORIZED", `${url} refused to ${what} (${status})`, {
      hint: "check the token: it may be wrong, revoked or for another instance",
    });
  }
  if (status === 410) {
    return new RunfleetError("FORBIDDEN", `${url} has registration tokens disabled (410)`, {
      hint: "create the runner in the UI or API and register with its glrt- token",
    });
  }
  if (status === 422) {
    return new RunfleetError("CONFLICT", `${url} says the runner is orphaned (422)`, {
      hint: "create a new runner",
    });
  }
  return new RunfleetError("UNAVAILABLE", `${url} answered ${status} when trying to ${what}`);
}
