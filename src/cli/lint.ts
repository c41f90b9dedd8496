import { dirname, resolve } from "node:path";
import { ConfigInvalidError, type ConfigWarning, loadCiConfig } from "../config/index.js";
import { formatLocation, RunfleetError } from "../errors/index.js";
import { loadProjectVariables } from "../local-run/index.js";
import { unscopedValues } from "../plan/index.js";
import { parseCommandArgs, parseVariablePairs } from "./command-args.js";
import type { Command } from "./commands.js";

/**
 * `runfleet lint`: loads a pipeline file the way `plan` and `run` do and prints every problem,
 * so one run shows all there is to fix.
 */
export const LINT_USAGE = `Usage: runfleet lint [options]

Checks a .gitlab-ci.yml, its includes and its local child pipelines, and prints every problem as
file:line:column (key.path): message.

Options:
  --file F        config file (default: .gitlab-ci.yml); its folder is the project root
  --var K=V       variable visible to include:rules and include paths (repeatable)
  --variables-file F
                  the project's CI/CD variables, as for runfleet run: checked too, and their
                  unscoped values visible to include:rules below --var (default: the project's
                  .gitlab-ci-local-variables.yml when there)
  --component-dir D
                  serve \`include: component:\` from D/<project path>/templates/<name>.yml
  -h, --help      this help

Limits (each a problem, never a hang): 1 MiB per file, 150 included files, YAML nested at most
100 levels, at most 100000 nodes per file once aliases are expanded.

Exit codes: 0 valid (warnings may be printed), 1 invalid, 2 usage error.
`;

export interface LintStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

interface LintOptions {
  readonly file: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly variablesFile: string | undefined;
  readonly componentDir: string | undefined;
  readonly help: boolean;
}

export function parseLintOptions(args: readonly string[]): LintOptions {
  const { values } = parseCommandArgs("lint", {
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: "string", short: "f" },
      var: { type: "string", multiple: true },
      "variables-file": { type: "string" },
      "component-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const variables = parseVariablePairs("lint", values.var ?? []);
  if (values.file === "")
    throw new RunfleetError("USAGE", "--file needs a file name", { hint: "e.g. --file .gitlab-ci.yml" });
  return {
    file: values.file ?? ".gitlab-ci.yml",
    variables,
    variablesFile: values["variables-file"],
    componentDir: values["component-dir"],
    help: values.help ?? false,
  };
}

export function formatWarning(warning: ConfigWarning): string {
  const where = warning.location === undefined ? "" : `${formatLocation(warning.location)}: `;
  return `${where}warning: ${warning.message}\n`;
}

/** Runs lint against the real file system, writing to the given streams; returns the exit code. */
export async function lint(args: readonly string[], streams: LintStreams): Promise<number> {
  const options = parseLintOptions(args);
  if (options.help) {
    streams.stdout.write(LINT_USAGE);
    return 0;
  }
  const file = resolve(options.file);
  let projectValues: Record<string, string>;
  try {
    const projectVariables = await loadProjectVariables({
      file: options.variablesFile,
      cwd: process.cwd(),
      projectRoot: dirname(file),
      notice: (message) => streams.stderr.write(`${message}\n`),
    });
    projectValues = unscopedValues(projectVariables);
  } catch (err) {
    if (!(err instanceof RunfleetError) || err.code !== "CONFIG_INVALID") throw err;
    streams.stdout.write(`${err.format()}\n${err.location?.file ?? "variables file"}: invalid, 1 problem\n`);
    return 1;
  }
  try {
    const { warnings } = await loadCiConfig({
      file,
      projectDir: dirname(file),
      variables: { ...projectValues, ...options.variables },
      ...(options.componentDir === undefined ? {} : { componentDir: resolve(options.componentDir) }),
    });
    for (const w of warnings) streams.stderr.write(formatWarning(w));
    streams.stdout.write(
      `${options.file}: valid${warnings.length > 0 ? ` (${plural(warnings.length, "warning")})` : ""}\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    for (const e of byPosition(err.errors)) streams.stdout.write(`${e.format()}\n`);
    streams.stdout.write(`${options.file}: invalid, ${plural(err.errors.length, "problem")}\n`);
    return 1;
  }
}

/** File by file, top to bottom: the order a user fixes things in. */
function byPosition(errors: readonly RunfleetError[]): RunfleetError[] {
  return [...errors].sort((a, b) => {
    const x = a.location;
    const y = b.location;
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1;
    return x.file.localeCompare(y.file) || x.line - y.line || x.column - y.column;
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export const lintCommand: Command = {
  summary: "check a .gitlab-ci.yml and print every problem",
  run: (args) => lint(args, process),
};
