import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForService } from "./service-wait.js";

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

function listen(port = 0): Promise<number> {
  const server = createServer((c) => c.end());
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
}

async function freePort(): Promise<number> {
  const port = await listen();
  for (const s of servers) s.close();
  servers = [];
  return port;
}

const running = async () => ({ running: true, exitCode: 0 });

describe("waitForService (real TCP on 127.0.0.1)", () => {
  it("is ready when every port answers", async () => {
    const [a, b] = [await listen(), await listen()];
    expect(
      await waitForService({ address: "127.0.0.1", ports: [a, b], timeoutMs: 2000, state: running }),
    ).toEqual({ kind: "ready" });
  });

  it("waits for a port that opens later", async () => {
    const port = await freePort();
    setTimeout(() => void listen(port), 400);
    const started = Date.now();
    expect(
      await waitForService({ address: "127.0.0.1", ports: [port], timeoutMs: 5000, state: running }),
    ).toEqual({ kind: "ready" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("gives up at the timeout, naming the silent port", async () => {
    const port = await freePort();
    const started = Date.now();
    expect(
      await waitForService({ address: "127.0.0.1", ports: [port], timeoutMs: 600, state: running }),
    ).toEqual({ kind: "timed_out", port });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("stops waiting when the service's container has exited", async () => {
    const port = await freePort();
    const result = await waitForService({
      address: "127.0.0.1",
      ports: [port],
      timeoutMs: 10_000,
      state: async () => ({ running: false, exitCode: 3 }),
    });
    expect(result).toEqual({ kind: "exited", exitCode: 3 });
  });
});
