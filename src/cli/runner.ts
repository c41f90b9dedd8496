/**
 * `runfleet runner`: runs the runner manager from its config.toml until a signal: SIGQUIT drains
 * (running jobs finish, no new ones are taken); SIGINT/SIGTERM abort running jobs and report them failed.
 */

import { RunfleetError } from "../errors/index.js";
import { configPath, loadConfigFile, RunnerManager, systemIdFor } from "../runner/index.js";
import { parseCommandArgs } from "./command-args.js";
import type { Command } from "./commands.js";

export const RUNNER_USAGE = `Usage: runfleet runner [--config F]

Runs the runners of a configuration file: asks the coordinator for jobs and runs them.
SIGQUIT finishes running jobs and exits; SIGINT or SIGTERM aborts them (reported failed) and exits.

Options:
  --config F     config file (default: $RUNFLEET_CONFIG or ~/.runfleet/config.toml)
  -h, --help     this help
`;

export function parseRunnerOptions(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { config: string } | "help" {
  const { values } = parseCommandArgs("runner", {
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help === true) return "help";
  return { config: configPath(values.config, env) };
}

export const runnerCommand: Command = {
  summary: "run the runners of a config.toml (SIGQUIT drains, SIGINT/SIGTERM abort)",
  async run(args) {
    const options = parseRunnerOptions(args);
    if (options === "help") {
      process.stdout.write(RUNNER_USAGE);
      return 0;
    }
    const { config, warnings } = await loadConfigFile(options.config);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (config.runners.length === 0) {
      throw new RunfleetError("CONFIG_INVALID", `${options.config} has no [[runners]] entry`, {
        hint: "add one with `runfleet register --url URL --token TOKEN`",
      });
    }
    const manager = new RunnerManager({ config, systemId: await systemIdFor(options.config) });
    const done = new Promise<void>((resolve) => {
      let mode: "running" | "draining" | "stopping" = "running";
      // SIGQUIT drains; SIGINT/SIGTERM abort — also during a drain, which they escalate. A second
      // SIGINT/SIGTERM falls through to Node's default and ends the process at once.
      const finish = (how: "drain" | "stop") => () => {
        if (mode === "stopping" || (how === "drain" && mode === "draining")) return;
        mode = how === "drain" ? "draining" : "stopping";
        process.stderr.write(
          how === "drain"
            ? "runfleet runner: draining: running jobs finish, no new ones\n"
            : "runfleet runner: stopping: aborting running jobs\n",
        );
        (how === "drain" ? manager.drain() : manager.stop()).then(resolve, resolve);
      };
      process.once("SIGQUIT", finish("drain"));
      process.once("SIGINT", finish("stop"));
      process.once("SIGTERM", finish("stop"));
    });
    manager.start();
    await done;
    return 0;
  },
};
