import { describe, expect, it } from "vitest";
import { json, message } from "./http-io.js";
import { encodeReply, httpDate } from "./reply-writer.js";

const NOW = Date.UTC(2026, 10, 27, 23, 59, 55, 400);
const DATE = "Fri, 27 Nov 2026 23:59:55 GMT";

describe("encodeReply", () => {
  it.each([
    [
      "a JSON reply, kept alive",
      message(403, "403 Forbidden"),
      false,
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 27\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n{"message":"403 Forbidden"}`,
    ],
    [
      "204 with its header",
      { status: 204, headers: { "X-GitLab-Last-Update": "42" } },
      false,
      `HTTP/1.1 204 No Content\r\nX-GitLab-Last-Update: 42\r\nContent-Length: 0\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n`,
    ],
    [
      "Connection: close",
      { status: 202, headers: { Range: "0-5", "Job-Status": "running" } },
      true,
      `HTTP/1.1 202 Accepted\r\nRange: 0-5\r\nJob-Status: running\r\nContent-Length: 0\r\nDate: ${DATE}\r\nConnection: close\r\n\r\n`,
    ],
    [
      "a multi-byte body counted in bytes",
      json(200, { name: "é" }),
      false,
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n{"name":"é"}`,
    ],
  ])("%s", (_name, reply, close, expected) => {
    const out = encodeReply(reply, { close, keepAliveSeconds: 65, now: NOW });
    expect(Buffer.from(out).toString("utf8")).toBe(expected);
  });

  it("writes a Buffer body after the head", () => {
    const out = encodeReply(
      { status: 200, body: Buffer.from([0, 1, 2]) },
      { close: false, keepAliveSeconds: 5, now: NOW },
    );
    expect(Buffer.isBuffer(out) && out.subarray(-3)).toEqual(Buffer.from([0, 1, 2]));
  });

  it.each([
    ["Job-Status", "running\r\nX-Evil: 1"],
    ["X-A\nB", "v"],
  ])("refuses a header that would split the head (%j)", (name, value) => {
    expect(() =>
      encodeReply(
        { status: 200, headers: { [name]: value } },
        { close: false, keepAliveSeconds: 65, now: NOW },
      ),
    ).toThrow(/invalid character/);
  });
});

describe("httpDate", () => {
  it.each([
    [NOW, DATE],
    [NOW + 599, "Fri, 27 Nov 2026 23:59:55 GMT"],
    [NOW + 600, "Fri, 27 Nov 2026 23:59:56 GMT"],
    [NOW - 60_000, "Fri, 27 Nov 2026 23:58:55 GMT"],
  ])("%i is %s", (now, text) => {
    expect(httpDate(now)).toBe(text);
  });
});
