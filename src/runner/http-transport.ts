/**
 * HTTP for the API client: plain `http:` on the lean keep-alive client (http1-client.ts), `https:` on
 * node:https with a keep-alive agent; thousands of short jobs each make a handful of calls. Follows
 * redirects (artifact downloads may be sent to object storage), dropping the job token when the host
 * changes.
 */
import type * as http from "node:http";
import * as https from "node:https";
import { http1Request } from "./http1-client.js";

/** Response headers by case-insensitive name (a WHATWG `Headers` fits too). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

/** `http:` never reaches node's client (see `once`), so only https keeps an agent. */
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

const CREDENTIAL_HEADERS = ["job-token", "private-token", "authorization"];
const MAX_REDIRECTS = 5;

/** node's already lower-cased header object behind `get`; cheaper than building a `Headers` per call. */
function toHeaders(raw: http.IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name: string): string | null {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

function mapHeaders(map: ReadonlyMap<string, string>): ResponseHeaders {
  return { get: (name) => map.get(name.toLowerCase()) ?? null };
}

function once(req: HttpRequest): Promise<HttpResponse> {
  if (req.url.protocol === "http:") {
    return http1Request(req).then((res) => ({
      status: res.status,
      headers: mapHeaders(res.headers),
      body: res.body,
    }));
  }
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers["Content-Length"] = req.body.length;
    const options: http.RequestOptions = {
      method: req.method,
      headers,
      agent: httpsAgent,
      ...(req.signal ? { signal: req.signal } : {}),
    };
    const request = https.request(req.url, options, (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: toHeaders(res.headers),
          body: Buffer.concat(chunks),
        }),
      );
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("connection closed before the response ended")));
    });
    request.on("error", reject);
    request.end(req.body);
  });
}

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  let current = req;
  for (let hop = 0; ; hop++) {
    const res = await once(current);
    const location = res.headers.get("location");
    if (hop >= MAX_REDIRECTS || location === null || ![301, 302, 303, 307, 308].includes(res.status))
      return res;
    const url = new URL(location, current.url);
    const headers = { ...current.headers };
    if (url.host !== current.url.host) {
      for (const key of Object.keys(headers))
        if (CREDENTIAL_HEADERS.includes(key.toLowerCase())) delete headers[key];
    }
    const keepBody = res.status === 307 || res.status === 308;
    current = {
      method: keepBody ? current.method : "GET",
      url,
      headers,
      ...(keepBody && current.body ? { body: current.body } : {}),
      ...(current.signal ? { signal: current.signal } : {}),
    };
  }
}

/** A multipart/form-data body with one file part. */
export function multipartFile(
  field: string,
  filename: string,
  data: Uint8Array,
): { body: Buffer; contentType: string } {
  const boundary = `----runfleet${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const safeName = filename.replace(/["\r\n]/g, "_");
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${safeName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, data, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
