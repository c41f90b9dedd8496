import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { parseListen, parseServeOptions } from "./serve.js";

describe("runfleet serve options", () => {
  it.each([
    ["127.0.0.1:8080", "127.0.0.1", 8080],
    ["0.0.0.0:9000", "0.0.0.0", 9000],
    ["[::1]:8080", "::1", 8080],
    [":7000", "127.0.0.1", 7000],
    ["7001", "127.0.0.1", 7001],
  ])("--listen %s", (text, host, port) => {
    expect(parseListen(text)).toEqual({ host, port });
  });

  it.each(["host:", "host:99999", "a:b"])("refuses --listen %s as a usage error", (text) => {
    expect(() => parseListen(text)).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("defaults the database into the data directory", () => {
    const o = parseServeOptions(["--data", "/tmp/x"]);
    expect(o).toMatchObject({
      dataDir: "/tmp/x",
      dbPath: "/tmp/x/coordinator.db",
      host: "127.0.0.1",
      port: 8080,
    });
    expect(() => parseServeOptions(["--bogus"])).toThrow(expect.objectContaining({ code: "USAGE" }));
  });
});

describe("runfleet serve", () => {
  it("prints its URL and a registration token that registers a runner, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runfleet-serve-"));
    const main = new URL("./main.ts", import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "serve", "--listen", "127.0.0.1:0", "--data", dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const seen: string[] = [];
      for await (const line of lines) {
        seen.push(line);
        if (line.startsWith("  gitlab-runner register")) break;
      }
      const url = /listening on (\S+)/.exec(seen.join("\n"))?.[1] ?? "";
      const token = /registration token: (\S+)/.exec(seen.join("\n"))?.[1] ?? "";
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(seen.join("\n")).toContain(`runfleet register --url ${url} --token ${token}`);
      const res = await fetch(new URL("api/v4/runners", url), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, description: "remote" }),
      });
      expect(res.status).toBe(201);
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
