/**
 * What every command does with its arguments: node's parseArgs, with anything malformed turned into a
 * USAGE error (exit 2) that points at the command's help, and `--var KEY=VALUE` pairs read one way.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { RunfleetError } from "../errors/index.js";

export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw usageError(command, err instanceof Error ? err.message : String(err), err);
  }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--var KEY=VALUE` values (repeatable; a later KEY wins) as a variables record. */
export function parseVariablePairs(command: string, pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usageError(command, `--var expects KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (!VARIABLE_NAME.test(key)) throw usageError(command, `--var: "${key}" is not a valid variable name`);
    variables[key] = pair.slice(eq + 1);
  }
  return variables;
}

export function usageError(command: string, message: string, cause?: unknown): RunfleetError {
  return new RunfleetError("USAGE", message, {
    hint: `see \`runfleet ${command} --help\``,
    ...(cause === undefined ? {} : { cause }),
  });
}
