/** A bare GitLab Runner protocol client for tests and benchmarks: one method per call, raw replies. */
import type { JobPayload } from "../../protocol/index.js";

export interface RawReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function call(url: string, init: RequestInit): Promise<RawReply> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export class ProtocolClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly systemId = "s_test",
  ) {}

  private api(path: string): string {
    return new URL(`api/v4/${path}`, this.baseUrl).toString();
  }

  requestJob(lastUpdate?: string, signal?: AbortSignal): Promise<RawReply> {
    return call(this.api("jobs/request"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        token: this.token,
        system_id: this.systemId,
        ...(lastUpdate ? { last_update: lastUpdate } : {}),
      }),
      ...(signal ? { signal } : {}),
    });
  }

  /** Requests until a job comes back (201); returns its payload. */
  async nextJob(attempts = 20): Promise<JobPayload> {
    for (let i = 0; i < attempts; i++) {
      const r = await this.requestJob();
      if (r.status === 201) return JSON.parse(r.text) as JobPayload;
      if (r.status !== 204 && r.status !== 409) throw new Error(`request: ${r.status} ${r.text}`);
    }
    throw new Error("no job came");
  }

  update(jobId: number, jobToken: string, body: Record<string, unknown>): Promise<RawReply> {
    return call(this.api(`jobs/${jobId}`), {
      method: "PUT",
      headers: { "Content-Type": "application/json", "JOB-TOKEN": jobToken },
      body: JSON.stringify({ token: jobToken, ...body }),
    });
  }

  patchTrace(jobId: number, jobToken: string, start: number, data: string | Buffer): Promise<RawReply> {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    return call(this.api(`jobs/${jobId}/trace`), {
      method: "PATCH",
      headers: {
        "JOB-TOKEN": jobToken,
        "Content-Type": "text/plain",
        "Content-Range": `${start}-${start + bytes.length - 1}`,
      },
      body: bytes,
    });
  }

  uploadArtifact(
    jobId: number,
    jobToken: string,
    file: Buffer,
    query: Record<string, string> = {},
    filename = "artifacts.zip",
  ): Promise<RawReply> {
    const form = new FormData();
    form.append("file", new Blob([file]), filename);
    const qs = new URLSearchParams(query).toString();
    return call(`${this.api(`jobs/${jobId}/artifacts`)}${qs ? `?${qs}` : ""}`, {
      method: "POST",
      headers: { "JOB-TOKEN": jobToken },
      body: form,
    });
  }

  async downloadArtifact(jobId: number, jobToken: string): Promise<{ status: number; body: Buffer }> {
    const res = await fetch(this.api(`jobs/${jobId}/artifacts`), { headers: { "JOB-TOKEN": jobToken } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  }

  /** Runs a job the way a runner does: acknowledge, one trace chunk, final state. */
  async runJob(
    job: JobPayload,
    outcome: { state: "success" | "failed"; exitCode?: number; reason?: string; trace?: string } = {
      state: "success",
    },
  ): Promise<void> {
    await this.update(job.id, job.token, { state: "running" });
    const trace = outcome.trace ?? `running ${job.job_info.name}\n`;
    await this.patchTrace(job.id, job.token, 0, trace);
    await this.update(job.id, job.token, {
      state: outcome.state,
      ...(outcome.exitCode ? { exit_code: outcome.exitCode } : {}),
      ...(outcome.reason ? { failure_reason: outcome.reason } : {}),
    });
  }
}
