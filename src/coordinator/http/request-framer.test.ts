import { describe, expect, it } from "vitest";
import { apiRouteFor } from "./api-routes.js";
import { type Classify, type Frame, RequestFramer } from "./request-framer.js";

const classify: Classify = (head) => {
  const route = apiRouteFor(head.method, head.target);
  return route === undefined ? undefined : { route, limit: route.kind === "patch-trace" ? 64 : 32 };
};

function request(method: string, target: string, body = "", extra = ""): string {
  return `${method} ${target} HTTP/1.1\r\nHost: c\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const POLL = request("POST", "/api/v4/jobs/request", '{"token":"t"}');
const TRACE = request("PATCH", "/api/v4/jobs/7/trace", "hello", "Content-Range: 0-4\r\n");

/** Feeds the chunks and collects frames until the framer needs more or hands off. */
function frames(framer: RequestFramer, chunks: readonly string[]): Frame[] {
  const out: Frame[] = [];
  for (const chunk of chunks) {
    framer.push(Buffer.from(chunk, "latin1"));
    for (;;) {
      const frame = framer.next();
      if (frame.kind === "more") break;
      out.push(frame);
      if (frame.kind === "handoff") return out;
    }
  }
  return out;
}

function calls(out: readonly Frame[]): string[] {
  return out.map((f) =>
    f.kind === "call"
      ? `${f.call.route.kind} ${f.call.body.toString()}${f.call.close ? " close" : ""}`
      : f.kind,
  );
}

describe("RequestFramer", () => {
  it.each(
    Array.from({ length: POLL.length - 1 }, (_, i) => i + 1),
  )("a call split after byte %i is one call", (at) => {
    const framer = new RequestFramer(classify);
    expect(calls(frames(framer, [POLL.slice(0, at), POLL.slice(at)]))).toEqual(['request-job {"token":"t"}']);
    expect(framer.midRequest).toBe(false);
  });

  it.each([
    ["two in one chunk", [POLL + TRACE], ['request-job {"token":"t"}', "patch-trace hello"]],
    [
      "three, split mid-head",
      [POLL + TRACE.slice(0, 9), TRACE.slice(9) + POLL],
      ['request-job {"token":"t"}', "patch-trace hello", 'request-job {"token":"t"}'],
    ],
    ["blank lines before a request", [`\r\n\r\n${POLL}`], ['request-job {"token":"t"}']],
    ["no body", [request("PUT", "/api/v4/jobs/3")], ["update-job "]],
    [
      "Connection: close",
      [request("PUT", "/api/v4/jobs/3", "{}", "Connection: Keep-Alive, Close\r\n")],
      ["update-job {} close"],
    ],
  ])("pipelined: %s", (_name, chunks, expected) => {
    expect(calls(frames(new RequestFramer(classify), chunks))).toEqual(expected);
  });

  it.each([
    ["another route", request("GET", "/api/v4/jobs/3/artifacts")],
    ["git", request("GET", "/group/app.git/info/refs?service=git-upload-pack")],
    ["a query", request("POST", "/api/v4/jobs/request?x=1", "{}")],
    ["HTTP/1.0", POLL.replace("HTTP/1.1", "HTTP/1.0")],
    [
      "chunked",
      "PUT /api/v4/jobs/3 HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
    ["Expect", request("PUT", "/api/v4/jobs/3", "{}", "Expect: 100-continue\r\n")],
    ["Upgrade", request("PUT", "/api/v4/jobs/3", "{}", "Connection: Upgrade\r\nUpgrade: h2c\r\n")],
    ["no Host", "PUT /api/v4/jobs/3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"],
    ["duplicate Content-Length", request("PUT", "/api/v4/jobs/3", "{}", "Content-Length: 2\r\n")],
    ["a signed Content-Length", "PUT /api/v4/jobs/3 HTTP/1.1\r\nHost: c\r\nContent-Length: +2\r\n\r\n{}"],
    ["a body over the limit", request("PUT", "/api/v4/jobs/3", "x".repeat(33))],
    ["a bad request line", "GARBAGE\r\n\r\n"],
    ["binary", "\x16\x03\x01\x02\x00"],
    ["a head over 16 KiB", `PUT /api/v4/jobs/3 HTTP/1.1\r\nX: ${"a".repeat(17 * 1024)}`],
  ])("hands off at %s, giving back every unconsumed byte", (_name, raw) => {
    const framer = new RequestFramer(classify);
    const out = frames(framer, [POLL, raw]);
    expect(calls(out)).toEqual(['request-job {"token":"t"}', "handoff"]);
    expect(framer.rest().toString("latin1")).toBe(raw);
  });

  it("takes a trace body up to its own, larger limit", () => {
    const body = "y".repeat(64);
    const raw = request("PATCH", "/api/v4/jobs/7/trace", body, "Content-Range: 0-63\r\n");
    expect(calls(frames(new RequestFramer(classify), [raw]))).toEqual([`patch-trace ${body}`]);
  });

  it("tells a waiting body from a head in progress", () => {
    const framer = new RequestFramer(classify);
    frames(framer, [TRACE.slice(0, -2)]);
    expect([framer.midRequest, framer.awaitingBody]).toEqual([true, true]);
    const head = new RequestFramer(classify);
    frames(head, ["PUT /api/"]);
    expect([head.midRequest, head.awaitingBody]).toEqual([true, false]);
  });
});
