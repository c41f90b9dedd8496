/**
 * `runfleet register`: registers a runner with a GitLab instance or a Runfleet coordinator and writes
 * it into the runner's config.toml.
 */
import { hostname } from "node:os";
import { RunfleetError } from "../errors/index.js";
import { executors } from "../executors/index.js";
import { addRunnerToConfig, configPath, registerRunner, systemIdFor } from "../runner/index.js";
import { parseCommandArgs, usageError } from "./command-args.js";
import type { Command } from "./commands.js";

export const REGISTER_USAGE = `Usage: runfleet register --url URL --token TOKEN [options]

Registers a runner and adds it to the runner configuration.
A glrt- token (created in GitLab's UI or API) is verified; any other token is a registration token
exchanged for a runner token.

Options:
  --url URL            GitLab or Runfleet coordinator URL
  --token TOKEN        glrt- runner authentication token, or a registration token
  --executor E         executor to run jobs with (default: shell; known: ${Object.keys(executors).join(", ")})
  --tag-list a,b       tags (registration tokens only)
  --run-untagged       also take untagged jobs (registration tokens only)
  --name N             runner name (default: the host name)
  --config F           config file (default: $RUNFLEET_CONFIG or ~/.runfleet/config.toml)
  -h, --help           this help
`;

export interface RegisterOptions {
  readonly url: string;
  readonly token: string;
  readonly executor: string;
  readonly tagList: string[];
  readonly runUntagged: boolean;
  readonly name: string;
  readonly config: string;
}

export function parseRegisterOptions(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): RegisterOptions | "help" {
  const { values } = parseCommandArgs("register", {
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      executor: { type: "string" },
      "tag-list": { type: "string" },
      "run-untagged": { type: "boolean" },
      name: { type: "string" },
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return "help";
  const { url, token } = values;
  if (url === undefined || token === undefined)
    throw usageError("register", "--url and --token are required");
  if (!/^https?:\/\//.test(url)) throw usageError("register", `--url must be an http(s) URL, got "${url}"`);
  const executor = values.executor ?? "shell";
  if (executors[executor] === undefined) {
    throw new RunfleetError("USAGE", `unknown executor "${executor}"`, {
      hint: `known executors: ${Object.keys(executors).join(", ")}`,
    });
  }
  return {
    url,
    token,
    executor,
    tagList: (values["tag-list"] ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== ""),
    runUntagged: values["run-untagged"] === true,
    name: values.name ?? hostname(),
    config: configPath(values.config, env),
  };
}

export const registerCommand: Command = {
  summary: "register a runner with GitLab or a coordinator and write its config",
  async run(args) {
    const options = parseRegisterOptions(args);
    if (options === "help") {
      process.stdout.write(REGISTER_USAGE);
      return 0;
    }
    const systemId = await systemIdFor(options.config);
    const { runner, warnings } = await registerRunner({ ...options, systemId });
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    await addRunnerToConfig(options.config, runner);
    process.stdout.write(
      `Runner "${runner.name}" registered with ${runner.url}; configuration written to ${options.config}\n`,
    );
    return 0;
  },
};
