// `runfleet run`: the pipeline of the project in the current directory, run on this machine.
import { runLocal } from "../local-run/index.js";
import type { Command } from "./commands.js";
import { parseRunOptions, RUN_USAGE } from "./run-options.js";

export const runCommand: Command = {
  summary: "run the project's pipeline on this machine (working tree as is)",
  async run(args) {
    const options = parseRunOptions(args);
    if (options.help) {
      process.stdout.write(RUN_USAGE);
      return 0;
    }
    return runLocal(options, {
      out: process.stdout,
      err: process.stderr,
      onInterrupt(handler) {
        process.on("SIGINT", handler);
        process.on("SIGTERM", handler);
        return () => {
          process.off("SIGINT", handler);
          process.off("SIGTERM", handler);
        };
      },
    });
  },
};
