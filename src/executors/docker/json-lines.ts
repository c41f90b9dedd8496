/**
 * Streaming endpoints that answer with JSON objects one after the other (image pull progress): split
 * the byte stream into objects, keeping a partial line between chunks. Docker separates them with
 * newlines; some engines send `}{` back to back, which is split too.
 */
export class JsonLines {
  private pending = "";

  push(chunk: Buffer | string): unknown[] {
    this.pending += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    const out: unknown[] = [];
    const parts = this.pending.replace(/}\s*{/g, "}\n{").split("\n");
    this.pending = parts.pop() ?? "";
    for (const part of parts) {
      const line = part.trim();
      if (line !== "") out.push(parseOrText(line));
    }
    return out;
  }

  /** The last object, when the stream ended without a newline. */
  end(): unknown[] {
    const line = this.pending.trim();
    this.pending = "";
    return line === "" ? [] : [parseOrText(line)];
  }
}

function parseOrText(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return { text: line };
  }
}

export interface PullProgress {
  readonly error: string | undefined;
  readonly status: string | undefined;
}

/** What one pull-progress object says: an error (`error` or `errorDetail.message`) or a status line. */
export function readPullProgress(value: unknown): PullProgress {
  if (typeof value !== "object" || value === null) return { error: undefined, status: undefined };
  const v = value as Record<string, unknown>;
  const detail = v.errorDetail as Record<string, unknown> | undefined;
  const error =
    typeof v.error === "string" && v.error !== ""
      ? v.error
      : typeof detail?.message === "string"
        ? detail.message
        : undefined;
  const status =
    typeof v.status === "string" ? v.status : typeof v.stream === "string" ? v.stream : undefined;
  return { error, status };
}
