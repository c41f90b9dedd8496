import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitLabApiClient } from "./api-client.js";
import { type ArtifactsContext, downloadArtifacts, uploadArtifacts } from "./artifacts-stage.js";

/** Records uploads; serves a prepared archive per job id. */
let server: Server;
let url: string;
const archives = new Map<number, Uint8Array>();
const uploads: { query: string; body: Buffer; token: string | undefined }[] = [];
const root = mkdtempSync(join(tmpdir(), "artifacts-stage-"));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const m = req.url?.match(/^\/api\/v4\/jobs\/(\d+)\/artifacts(\?.*)?$/);
      if (req.method === "GET" && m) {
        const zip = archives.get(Number(m[1]));
        if (zip === undefined || req.headers["job-token"] !== "dep-token")
          return void res.writeHead(404).end();
        return void res.writeHead(200).end(Buffer.from(zip));
      }
      uploads.push({
        query: m?.[2] ?? "",
        body: Buffer.concat(chunks),
        token: req.headers["job-token"] as string | undefined,
      });
      res.writeHead(201).end("201");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(root, { recursive: true, force: true });
});

function ctx(projectDir: string, log: string[] = []): ArtifactsContext {
  mkdirSync(projectDir, { recursive: true });
  return {
    client: new GitLabApiClient(url),
    jobId: 7,
    jobToken: "job-token",
    projectDir,
    lookup: () => undefined,
    log: (l) => log.push(l),
  };
}

const dep = (id: number) => ({
  id,
  name: `dep-${id}`,
  token: "dep-token",
  artifacts_file: { filename: "artifacts.zip", size: 1 },
});

/** Extracts the file part of a multipart body. */
function filePart(body: Buffer): Buffer {
  const start = body.indexOf("\r\n\r\n") + 4;
  const end = body.lastIndexOf("\r\n--");
  return body.subarray(start, end);
}

describe("downloadArtifacts", () => {
  it("extracts a dependency's archive with its token", async () => {
    archives.set(1, zipSync({ "out/a.txt": Buffer.from("A") }));
    const dir = join(root, "ok");
    expect(await downloadArtifacts(ctx(dir), [dep(1)])).toBe(true);
    expect(readFileSync(join(dir, "out", "a.txt"), "utf8")).toBe("A");
  });

  it("refuses an archive that climbs out of the project, writing nothing", async () => {
    archives.set(2, zipSync({ "fine.txt": Buffer.from("x"), "../../escaped.txt": Buffer.from("evil") }));
    const dir = join(root, "evil", "project");
    const log: string[] = [];
    expect(await downloadArtifacts(ctx(dir, log), [dep(2)])).toBe(false);
    expect(existsSync(join(root, "escaped.txt"))).toBe(false);
    expect(existsSync(join(dir, "fine.txt"))).toBe(false);
    expect(log.join("\n")).toMatch(/climbs out/);
  });

  it("fails when the coordinator has no archive", async () => {
    expect(await downloadArtifacts(ctx(join(root, "missing")), [dep(3)])).toBe(false);
  });

  it("skips dependencies without artifacts", async () => {
    expect(await downloadArtifacts(ctx(join(root, "none")), [{ id: 4, name: "d", token: "x" }])).toBe(true);
  });
});

describe("uploadArtifacts", () => {
  const base = { name: "", untracked: false, exclude: [], when: "on_success" as const, expire_in: "1 week" };

  it("uploads the archive and each report in its format, with its type", async () => {
    const dir = join(root, "upload");
    mkdirSync(join(dir, "out"), { recursive: true });
    writeFileSync(join(dir, "out", "bin"), "binary");
    writeFileSync(join(dir, "build.env"), "A=1\n");
    uploads.length = 0;
    const ok = await uploadArtifacts(
      ctx(dir),
      [
        { ...base, paths: ["out/"], artifact_type: "archive", artifact_format: "zip" },
        { ...base, paths: ["build.env"], artifact_type: "dotenv", artifact_format: "gzip", when: "always" },
        { ...base, paths: ["out/"], artifact_type: "archive", artifact_format: "zip", when: "on_failure" },
      ],
      true,
    );
    expect(ok).toBe(true);
    expect(uploads).toHaveLength(2);
    expect(uploads[0]?.query).toBe("?artifact_format=zip&artifact_type=archive&expire_in=1+week");
    expect(uploads[0]?.token).toBe("job-token");
    expect(Object.keys(unzipSync(filePart(uploads[0]?.body ?? Buffer.alloc(0))))).toEqual([
      "out/",
      "out/bin",
    ]);
    expect(uploads[1]?.query).toContain("artifact_type=dotenv");
    expect(Buffer.from(gunzipSync(filePart(uploads[1]?.body ?? Buffer.alloc(0)))).toString()).toBe("A=1\n");
  });

  it("warns about paths that match nothing and uploads nothing for them", async () => {
    uploads.length = 0;
    const log: string[] = [];
    expect(
      await uploadArtifacts(
        ctx(join(root, "empty"), log),
        [{ ...base, paths: ["nope/"], artifact_type: "archive", artifact_format: "zip" }],
        true,
      ),
    ).toBe(true);
    expect(uploads).toHaveLength(0);
    expect(log).toContain("WARNING: nope/: no matching files");
  });
});
