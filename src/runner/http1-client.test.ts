import { createServer, type Server } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { http1Request } from "./http1-client.js";

const servers: (Server | NetServer)[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  for (const socket of rawSockets.splice(0)) socket.destroy();
  for (const s of servers.splice(0)) {
    if ("closeAllConnections" in s) s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(server: Server | NetServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A node:http server answering by path; counts the TCP connections it saw. */
async function httpServer(): Promise<{ url: string; connections: () => number; bodies: string[] }> {
  let connections = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === "/early") {
      res.writeHead(413, { "Content-Length": 4 }).end("full");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(
        `${req.method} ${req.url} ${req.headers["x-token"] ?? ""} ${Buffer.concat(chunks).toString()}`,
      );
      if (req.url === "/chunked") {
        res.writeHead(200, { "X-Kind": "chunked" });
        res.write("one,");
        setTimeout(() => res.end("two"), 5);
      } else if (req.url === "/empty") {
        res.writeHead(204, { "Job-Status": "running" }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "Content-Length": 2_000_000 }).end(Buffer.alloc(2_000_000, 7));
      } else if (req.url === "/early") {
        // handled before the body is read, below
      } else if (req.url === "/hang") {
        // never answers
      } else {
        res.setHeader("Set-Twice", ["a", "b"]);
        res.writeHead(201, { "Content-Type": "text/plain" }).end(`echo ${req.url}`);
      }
    });
  });
  server.on("connection", () => connections++);
  return { url: await listen(server), connections: () => connections, bodies };
}

/** A raw TCP server for answers node:http would not give: each connection gets `reply(request)`. */
async function rawServer(reply: (socket: Socket, head: string) => void): Promise<string> {
  const server = createNetServer((socket) => {
    rawSockets.push(socket);
    let buf = "";
    socket.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n\r\n")) {
        const head = buf;
        buf = "";
        reply(socket, head);
      }
    });
    socket.on("error", () => undefined);
  });
  return listen(server);
}

describe("http1Request", () => {
  it("sends method, path, headers and body, and reuses one connection", async () => {
    const srv = await httpServer();
    for (let i = 0; i < 5; i++) {
      const res = await http1Request({
        method: "PUT",
        url: new URL(`${srv.url}/jobs/${i}?a=1`),
        headers: { "X-Token": "t" },
        body: Buffer.from(`body ${i}`),
      });
      expect(res.status).toBe(201);
      expect(res.body.toString()).toBe(`echo /jobs/${i}?a=1`);
      expect(res.headers.get("content-type")).toBe("text/plain");
      expect(res.headers.get("set-twice")).toBe("a, b");
    }
    expect(srv.bodies).toEqual([0, 1, 2, 3, 4].map((i) => `PUT /jobs/${i}?a=1 t body ${i}`));
    expect(srv.connections()).toBe(1);
  });

  it.each([
    ["/chunked", 200, "one,two"],
    ["/empty", 204, ""],
    ["/big", 200, null],
  ])("reads the body of %s", async (path, status, text) => {
    const srv = await httpServer();
    const res = await http1Request({ method: "GET", url: new URL(`${srv.url}${path}`), headers: {} });
    expect(res.status).toBe(status);
    if (text !== null) expect(res.body.toString()).toBe(text);
    else expect(res.body.equals(Buffer.alloc(2_000_000, 7))).toBe(true);
    // The connection is clean afterwards: a second request on it works.
    const again = await http1Request({ method: "GET", url: new URL(`${srv.url}/x`), headers: {} });
    expect(again.body.toString()).toBe("echo /x");
    expect(srv.connections()).toBe(1);
  });

  it("answers an early reply to a large upload and keeps working after it", async () => {
    const srv = await httpServer();
    const res = await http1Request({
      method: "POST",
      url: new URL(`${srv.url}/early`),
      headers: {},
      body: Buffer.alloc(8 * 1024 * 1024, 1),
    });
    expect(res.status).toBe(413);
    expect(res.body.toString()).toBe("full");
    const next = await http1Request({ method: "GET", url: new URL(`${srv.url}/x`), headers: {} });
    expect(next.body.toString()).toBe("echo /x");
  });

  it("serves many requests at once", async () => {
    const srv = await httpServer();
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        http1Request({
          method: "POST",
          url: new URL(`${srv.url}/n${i}`),
          headers: {},
          body: Buffer.from("x"),
        }),
      ),
    );
    expect(all.map((r) => r.body.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `echo /n${i}`));
  });

  it("skips an interim 100 Continue and reads a body that ends with the connection", async () => {
    const url = await rawServer((socket) => {
      socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      socket.end("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close");
    });
    const res = await http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-A".toLowerCase())).toBe("1");
    expect(res.body.toString()).toBe("until close");
  });

  it("fails when the connection drops before the response ends", async () => {
    const url = await rawServer((socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    });
    await expect(http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} })).rejects.toThrow(
      /closed before the response ended/,
    );
  });

  it("opens a new connection when the server closed the idle one", async () => {
    let n = 0;
    const url = await rawServer((socket) => {
      n++;
      // Answers, then closes the connection while it is idle in the client's pool.
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`);
      setTimeout(() => socket.end(), 20);
    });
    const first = await http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} });
    await new Promise((r) => setTimeout(r, 80));
    const second = await http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} });
    expect([first.body.toString(), second.body.toString()]).toEqual(["1", "2"]);
  });

  it("sends again on a fresh connection when a reused one closes before any answer", async () => {
    let connections = 0;
    const url = await rawServer((socket) => {
      const own = socket as Socket & { served?: number };
      own.served = (own.served ?? 0) + 1;
      if (own.served === 1) connections++;
      if (own.served === 2)
        socket.destroy(); // the keep-alive race: closed as the request arrived
      else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    await http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} });
    const res = await http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} });
    expect(res.body.toString()).toBe("ok");
    expect(connections).toBe(2);
  });

  it("withdraws a request when its signal aborts", async () => {
    const srv = await httpServer();
    const abort = new AbortController();
    const pending = http1Request({
      method: "POST",
      url: new URL(`${srv.url}/hang`),
      headers: {},
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(
      http1Request({ method: "GET", url: new URL(`${srv.url}/x`), headers: {}, signal: abort.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
    const after = await http1Request({ method: "GET", url: new URL(`${srv.url}/x`), headers: {} });
    expect(after.body.toString()).toBe("echo /x");
  });

  it.each([
    ["X-Bad", "a\r\nInjected: yes"],
    ["X\nBad", "v"],
  ])("refuses header %j with a line break", async (name, value) => {
    const srv = await httpServer();
    await expect(
      http1Request({ method: "GET", url: new URL(`${srv.url}/x`), headers: { [name]: value } }),
    ).rejects.toThrow(/invalid character/);
    expect(srv.bodies).toEqual([]);
  });

  it("refuses a malformed response", async () => {
    const url = await rawServer((socket) => socket.end("SMTP ready\r\n\r\n"));
    await expect(http1Request({ method: "GET", url: new URL(`${url}/`), headers: {} })).rejects.toThrow(
      /malformed/,
    );
  });
});
