import { createServer, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerTokens, parseRequestHead } from "./request-head.js";

describe("parseRequestHead", () => {
  it.each([
    ["POST /api/v4/jobs/request HTTP/1.1\r\nHost: x", "POST", "/api/v4/jobs/request", 1],
    ["GET /a?b=c HTTP/1.0", "GET", "/a?b=c", 0],
    [
      "PATCH /api/v4/jobs/7/trace HTTP/1.1\r\nHost: x\r\nContent-Range: 0-4",
      "PATCH",
      "/api/v4/jobs/7/trace",
      1,
    ],
  ])("reads the request line of %j", (text, method, target, minor) => {
    const parsed = parseRequestHead(text);
    expect(parsed).toMatchObject({ kind: "head", head: { method, target, minorVersion: minor } });
  });

  it.each([
    ["GARBAGE", "request line"],
    ["GET /", "request line"],
    ["GET / HTTP/2.0", "request line"],
    ["get / HTTP/1.1", "request line"],
    ["GET  / HTTP/1.1", "request line"],
    ["GET / HTTP/1.1 ", "request line"],
    ["GET /\x01 HTTP/1.1", "request line"],
    ["GET / HTTP/1.1\r\nHost : x", "header line"],
    ["GET / HTTP/1.1\r\nHost: x\r\n folded", "header line"],
    ["GET / HTTP/1.1\r\nHost: x\nX-A: y", "header line"],
    ["GET / HTTP/1.1\r\nX-A: a\x01b", "header line"],
    ["GET / HTTP/1.1\r\n: empty", "header line"],
    ["GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3", "repeated content-length"],
    [
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\ntransfer-encoding: chunked",
      "repeated transfer-encoding",
    ],
    [`GET / HTTP/1.1${"\r\nX: 1".repeat(1001)}`, "too many headers"],
  ])("reports %j as odd (%s) so node:http answers it", (text, reason) => {
    expect(parseRequestHead(text)).toEqual({ kind: "odd", reason });
  });

  it("reads up to node:http's 1000 headers itself", () => {
    const parsed = parseRequestHead(`GET / HTTP/1.1${"\r\nX: 1".repeat(1000)}`);
    expect(parsed.kind === "head" && parsed.head.headers.get("x")?.length).toBe(1000 * 3 - 2);
  });

  it("lower-cases names and trims optional whitespace but keeps inner spaces", () => {
    const parsed = parseRequestHead("PUT /x HTTP/1.1\r\nJOB-TOKEN: \t a b \t\r\nX-Empty:");
    expect(parsed.kind === "head" && [...parsed.head.headers]).toEqual([
      ["job-token", "a b"],
      ["x-empty", ""],
    ]);
  });

  it.each([
    ["Keep-Alive, close ,, TE", ["keep-alive", "close", "te"]],
    ["close", ["close"]],
    [undefined, []],
  ])("headerTokens(%j)", (value, tokens) => {
    expect(headerTokens(value)).toEqual(tokens);
  });
});

/** node:http itself as the oracle for how repeated headers combine. */
describe("parseRequestHead matches node:http's req.headers", () => {
  let port = 0;
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function nodeHeaders(head: string): Promise<IncomingHttpHeaders> {
    return new Promise((resolve, reject) => {
      const before = seen.length;
      const socket = connect(port, "127.0.0.1", () => socket.end(`${head}\r\n\r\n`));
      socket.on("error", reject);
      socket.resume();
      socket.on("close", () => {
        const headers = seen[before];
        if (headers === undefined) reject(new Error("node:http saw no request"));
        else resolve(headers);
      });
    });
  }

  it.each([
    ["Job-Token: a\r\njob-token: b"],
    ["Content-Type: a\r\nContent-Type: b"],
    ["Authorization: a\r\nAuthorization: b"],
    ["User-Agent: a\r\nUser-Agent: b"],
    ["Cookie: a=1\r\nCookie: b=2"],
    ["Accept: a\r\nAccept: b\r\nX-Custom: 1\r\nx-custom: 2"],
    ["Content-Range: 0-1\r\nContent-Range: 2-3"],
    ["X-Spaces:   v  "],
  ])("%j", async (lines) => {
    const head = `GET /h HTTP/1.1\r\nHost: h\r\n${lines}`;
    const expected = await nodeHeaders(head);
    const parsed = parseRequestHead(head);
    expect(parsed.kind).toBe("head");
    if (parsed.kind === "head") expect(Object.fromEntries(parsed.head.headers)).toEqual(expected);
  });
});
