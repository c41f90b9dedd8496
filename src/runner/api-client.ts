/**
 * The GitLab Runner API as the runner calls it (`<url>/api/v4/…`). Transport only: every call returns
 * the status and the headers the caller must act on; retries of transient failures (408/429/5xx and
 * dropped connections) follow GitLab Runner's retry requester where a call is safe to repeat.
 */
import { RunfleetError } from "../errors/index.js";
import {
  Headers as H,
  type JobRequest,
  type JobUpdateRequest,
  type RegisterRunnerRequest,
  type RunnerInfoBody,
  type VerifyRunnerRequest,
} from "../protocol/index.js";
import { type BackoffPolicy, backoffDelay, isRetryableStatus, retryAfterMs, sleep } from "./backoff.js";
import { httpRequest, multipartFile, type ResponseHeaders } from "./http-transport.js";

export interface ApiResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
}

export interface RetryOptions {
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, backoff: { minMs: 100, maxMs: 60_000 } };
export const NO_RETRY: RetryOptions = { attempts: 1, backoff: { minMs: 0, maxMs: 0 } };

interface SendOptions {
  readonly json?: unknown;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  readonly retry?: RetryOptions;
  readonly signal?: AbortSignal;
}

export const RUNNER_VERSION = "0.1.0";

const JSON_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/json",
  Accept: "application/json",
};

export class GitLabApiClient {
  private readonly base: string;
  private lastPoll: { readonly request: JobRequest; readonly bytes: Buffer } | undefined;
  /** Parsed URLs of the calls made over and over (`/jobs/request`). */
  private readonly fixedUrls = new Map<string, URL>();

  constructor(
    url: string,
    private readonly userAgent: string = `runfleet ${RUNNER_VERSION} (${process.platform}; ${process.arch})`,
  ) {
    this.base = `${url.replace(/\/+$/, "")}/api/v4`;
  }

  get baseUrl(): string {
    return this.base;
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<ApiResponse> {
    const retry = options.retry ?? DEFAULT_RETRY;
    const headers: Record<string, string> = { "User-Agent": this.userAgent, ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      headers.Accept = "application/json";
      body = Buffer.from(JSON.stringify(options.json));
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < retry.attempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, retry.backoff), options.signal);
      if (options.signal?.aborted) break;
      try {
        const res = await httpRequest({
          method,
          url: this.urlFor(path),
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const response: ApiResponse = res;
        if (!isRetryableStatus(res.status) || attempt === retry.attempts - 1) return response;
        const wait =
          retryAfterMs(res.headers.get("RateLimit-ResetTime")) ??
          retryAfterMs(res.headers.get("Retry-After"));
        if (wait !== undefined) await sleep(Math.min(wait, retry.backoff.maxMs), options.signal);
        lastError = new Error(`HTTP ${res.status}`);
      } catch (err) {
        if (options.signal?.aborted) break;
        lastError = err;
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    throw new RunfleetError("UNAVAILABLE", `${method} ${this.base}${path} failed: ${message}`, {
      hint: "check that the coordinator URL is right and reachable",
      cause: lastError,
    });
  }

  private urlFor(path: string): URL {
    if (path !== "/jobs/request") return new URL(`${this.base}${path}`);
    let url = this.fixedUrls.get(path);
    if (url === undefined) {
      url = new URL(`${this.base}${path}`);
      this.fixedUrls.set(path, url);
    }
    return url;
  }

  registerRunner(body: RegisterRunnerRequest): Promise<ApiResponse> {
    return this.send("POST", "/runners", { json: body });
  }

  verifyRunner(body: VerifyRunnerRequest): Promise<ApiResponse> {
    return this.send("POST", "/runners/verify", { json: body });
  }

  deleteRunner(token: string): Promise<ApiResponse> {
    return this.send("DELETE", "/runners", { json: { token } });
  }

  /**
   * One attempt: the request loop owns backoff for job requests. A manager polls many times a second
   * with the same body (only `last_update` moves), so its JSON is kept while the request is unchanged.
   */
  requestJob(body: JobRequest, signal?: AbortSignal): Promise<ApiResponse> {
    const last = this.lastPoll;
    let bytes: Buffer;
    if (
      last !== undefined &&
      last.request.token === body.token &&
      last.request.system_id === body.system_id &&
      last.request.last_update === body.last_update &&
      last.request.info === body.info
    ) {
      bytes = last.bytes;
    } else {
      bytes = Buffer.from(JSON.stringify(body));
      this.lastPoll = { request: body, bytes };
    }
    return this.send("POST", "/jobs/request", {
      body: bytes,
      headers: JSON_HEADERS,
      retry: NO_RETRY,
      ...(signal ? { signal } : {}),
    });
  }

  updateJob(
    jobId: number,
    jobToken: string,
    body: JobUpdateRequest,
    retry?: RetryOptions,
  ): Promise<ApiResponse> {
    return this.send("PUT", `/jobs/${jobId}`, {
      json: body,
      headers: { [H.jobToken]: jobToken },
      ...(retry ? { retry } : {}),
    });
  }

  patchTrace(jobId: number, jobToken: string, start: number, bytes: Buffer): Promise<ApiResponse> {
    const end = start + bytes.length - 1;
    return this.send("PATCH", `/jobs/${jobId}/trace`, {
      body: bytes,
      headers: { [H.jobToken]: jobToken, "Content-Type": "text/plain", [H.contentRange]: `${start}-${end}` },
    });
  }

  uploadArtifacts(
    jobId: number,
    jobToken: string,
    file: Uint8Array,
    filename: string,
    query: Record<string, string>,
  ): Promise<ApiResponse> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ""));
    const { body, contentType } = multipartFile("file", filename, file);
    const qs = params.size > 0 ? `?${params.toString()}` : "";
    return this.send("POST", `/jobs/${jobId}/artifacts${qs}`, {
      body,
      headers: { [H.jobToken]: jobToken, "Content-Type": contentType },
    });
  }

  downloadArtifacts(jobId: number, jobToken: string): Promise<ApiResponse> {
    return this.send("GET", `/jobs/${jobId}/artifacts`, { headers: { [H.jobToken]: jobToken } });
  }
}

/** The `info` object this runner sends on every call that takes one. */
export function runnerInfo(executor: string, shell: string): RunnerInfoBody {
  return {
    name: "runfleet",
    version: RUNNER_VERSION,
    revision: "runfleet",
    platform: process.platform,
    architecture: process.arch,
    executor,
    shell,
    features: {
      variables: true,
      image: executor !== "shell",
      services: executor !== "shell",
      artifacts: true,
      cache: true,
      upload_multiple_artifacts: true,
      upload_raw_artifacts: true,
      refspecs: true,
      masking: true,
      raw_variables: true,
      artifacts_exclude: true,
      multi_build_steps: true,
      return_exit_code: true,
      trace_reset: true,
      trace_checksum: true,
      trace_size: true,
      cancelable: true,
      cancel_gracefully: true,
      two_phase_job_commit: true,
    },
  };
}
