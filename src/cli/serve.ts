import { join, resolve } from "node:path";
import { Coordinator } from "../coordinator/index.js";
import { RunfleetError } from "../errors/index.js";
import { parseCommandArgs, usageError } from "./command-args.js";
import type { Command } from "./commands.js";

/**
 * `runfleet serve`: the coordinator alone, for runners on other machines. Prints its URL, a fresh
 * registration token and how to register; runs until SIGINT/SIGTERM. State lives in the SQLite file,
 * so a restarted coordinator picks up where it stopped.
 */
export const SERVE_USAGE = `Usage: runfleet serve [options]

Runs the Runfleet coordinator: the GitLab Runner API (/api/v4) that runfleet runners and GitLab
Runner register with, plus traces, artifacts and the repository over HTTP.

Options:
  --listen H:P       address to listen on (default: 127.0.0.1:8080; 0.0.0.0:8080 for other hosts)
  --db PATH          SQLite file (default: <data>/coordinator.db)
  --data DIR         directory for the database and artifacts (default: .runfleet/serve)
  --public-url URL   the URL runners use, when it differs from the listen address
  -h, --help         this help

Each start prints a new registration token; earlier ones stop working (registered runners keep theirs).
`;

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly publicUrl: string | undefined;
}

/** `H:P`, `[v6]:P`, `:P` or `P`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:]*)):)?(\d+)$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RunfleetError("USAGE", `--listen must be HOST:PORT, got "${text}"`, {
      hint: "e.g. --listen 0.0.0.0:8080",
    });
  }
  const host = m[1] ?? m[2];
  return { host: host === undefined || host === "" ? "127.0.0.1" : host, port };
}

export function parseServeOptions(args: readonly string[]): ServeOptions | "help" {
  const { values } = parseCommandArgs("serve", {
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: "string" },
      db: { type: "string" },
      data: { type: "string" },
      "public-url": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return "help";
  const { host, port } = parseListen(values.listen ?? "127.0.0.1:8080");
  const dataDir = resolve(values.data ?? join(".runfleet", "serve"));
  const publicUrl = values["public-url"];
  if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
    throw usageError("serve", `--public-url is not a URL: ${publicUrl}`);
  }
  return { host, port, dataDir, dbPath: resolve(values.db ?? join(dataDir, "coordinator.db")), publicUrl };
}

export const serveCommand: Command = {
  summary: "run the coordinator alone, for remote runners",
  async run(args) {
    const options = parseServeOptions(args);
    if (options === "help") {
      process.stdout.write(SERVE_USAGE);
      return 0;
    }
    const coordinator = await Coordinator.start({
      host: options.host,
      port: options.port,
      dbPath: options.dbPath,
      dataDir: options.dataDir,
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    });
    const token = await coordinator.rotateRegistrationToken();
    process.stdout.write(
      [
        `Runfleet coordinator listening on ${coordinator.url}`,
        `database: ${options.dbPath}`,
        `registration token: ${token}`,
        "",
        "Register a runner with:",
        `  runfleet register --url ${coordinator.url} --token ${token} --executor shell`,
        `  gitlab-runner register --url ${coordinator.url} --registration-token ${token} --executor shell`,
        "",
      ].join("\n"),
    );
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        coordinator.stop().then(done, done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  },
};
