/**
 * One stage's shell script, as GitLab Runner's bash shell writes it: strict mode, every variable
 * exported (file variables written first), a `cd` into the project, then each command echoed in green
 * as `$ cmd` before it runs. The first failing command ends the script with its exit code.
 */
import type { CiJobStatus } from "../protocol/index.js";
import type { ResolvedVariable } from "./job-variables.js";
import { shellQuote } from "./shell-quote.js";

export type ShellKind = "bash" | "sh";

export interface RenderStageInput {
  readonly shell: ShellKind;
  readonly variables: readonly ResolvedVariable[];
  readonly projectDir: string;
  /** Directory for file variables; created by the script. */
  readonly tempDir: string;
  readonly commands: readonly string[];
  /** `running` while the main script runs; the job's outcome for after_script. */
  readonly jobStatus: CiJobStatus | "running";
}

const GREEN = "\\033[32;1m";
const RESET = "\\033[0;m";

/** The line shown for a command: multi-line commands are shown by their first line. */
export function commandEcho(command: string): string {
  const lines = command.split("\n");
  const first = lines[0] ?? "";
  const more = lines.slice(1).some((l) => l.trim() !== "");
  return more ? `$ ${first} # collapsed multi-line command` : `$ ${first}`;
}

function exportLines(input: RenderStageInput): string[] {
  const lines: string[] = [];
  const files = input.variables.filter((v) => v.path !== undefined);
  if (files.length > 0) lines.push(`mkdir -p ${shellQuote(input.tempDir)}`);
  for (const v of input.variables) {
    if (v.path !== undefined) {
      lines.push(`printf '%s' ${shellQuote(v.value)} > ${shellQuote(v.path)}`);
      lines.push(`export ${v.key}=${shellQuote(v.path)}`);
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.key)) {
      lines.push(`export ${v.key}=${shellQuote(v.value)}`);
    }
  }
  lines.push(`export CI_JOB_STATUS=${shellQuote(input.jobStatus)}`);
  return lines;
}

export function renderStageScript(input: RenderStageInput): string {
  const lines: string[] = [];
  lines.push(input.shell === "bash" ? "set -eo pipefail" : "set -e");
  lines.push("set +o noclobber");
  lines.push(...exportLines(input));
  lines.push(`cd ${shellQuote(input.projectDir)}`);
  for (const command of input.commands) {
    if (command.trim() === "") continue;
    lines.push(`printf '${GREEN}%s${RESET}\\n' ${shellQuote(commandEcho(command))}`);
    lines.push(command);
  }
  lines.push("");
  return lines.join("\n");
}
