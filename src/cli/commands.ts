// The explicit map of sub-commands. Each command module exports a `Command`.
import { lintCommand } from "./lint.js";
import { planCommand } from "./plan.js";
import { registerCommand } from "./register.js";
import { runCommand } from "./run.js";
import { runnerCommand } from "./runner.js";
import { serveCommand } from "./serve.js";

export interface Command {
  readonly summary: string;
  /** Returns the process exit code. Throws RunfleetError("USAGE") for bad arguments. */
  run(args: readonly string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  lint: lintCommand,
  plan: planCommand,
  register: registerCommand,
  run: runCommand,
  runner: runnerCommand,
  serve: serveCommand,
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: runfleet <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}
