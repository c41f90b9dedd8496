import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, multipartFile } from "./http-transport.js";

interface Seen {
  readonly url: string | undefined;
  readonly method: string | undefined;
  readonly jobToken: string | undefined;
  readonly body: string;
}

function recordingServer(handler: (req: IncomingMessage, seen: Seen) => [number, Record<string, string>]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s = {
        url: req.url,
        method: req.method,
        jobToken: req.headers["job-token"] as string | undefined,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      const [status, headers] = handler(req, s);
      res.writeHead(status, headers).end(`body of ${req.url}`);
    });
  });
  return { server, seen };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("httpRequest", () => {
  const storage = recordingServer(() => [200, {}]);
  let storageUrl = "";
  const api = recordingServer((req) => {
    if (req.url === "/same") return [307, { Location: "/final" }];
    if (req.url === "/away") return [302, { Location: `${storageUrl}/object` }];
    return [200, { "X-Test": "yes" }];
  });
  let apiUrl = "";
  beforeAll(async () => {
    storageUrl = await listen(storage.server);
    apiUrl = await listen(api.server);
  });
  afterAll(() => {
    for (const s of [storage.server, api.server]) s.closeAllConnections();
    storage.server.close();
    api.server.close();
  });

  it("follows a 307 on the same host keeping method, body and token", async () => {
    const res = await httpRequest({
      method: "POST",
      url: new URL(`${apiUrl}/same`),
      headers: { "JOB-TOKEN": "t" },
      body: Buffer.from("payload"),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-test")).toBe("yes");
    expect(api.seen.at(-1)).toEqual({ url: "/final", method: "POST", jobToken: "t", body: "payload" });
  });

  it("follows a redirect to another host as GET, without the job token", async () => {
    const res = await httpRequest({
      method: "GET",
      url: new URL(`${apiUrl}/away`),
      headers: { "JOB-TOKEN": "secret" },
    });
    expect(res.body.toString()).toBe("body of /object");
    expect(storage.seen.at(-1)).toMatchObject({ url: "/object", method: "GET", jobToken: undefined });
  });
});

describe("multipartFile", () => {
  it("wraps the bytes in one file part", () => {
    const { body, contentType } = multipartFile("file", 'a"b.zip', Buffer.from([1, 2, 3]));
    const boundary = contentType.split("boundary=")[1] ?? "";
    expect(boundary).not.toBe("");
    const text = body.toString("latin1");
    expect(
      text.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a_b.zip"\r\n`),
    ).toBe(true);
    expect(text.endsWith(`application/octet-stream\r\n\r\n\x01\x02\x03\r\n--${boundary}--\r\n`)).toBe(true);
  });
});
