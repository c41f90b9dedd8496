/**
 * The project variables file of `runfleet run`: what GitLab keeps under Settings → CI/CD → Variables,
 * kept beside the project instead. YAML — `KEY: value` for every environment, or
 * `KEY: { values: { <environment scope>: value, … }, type: file, masked: true, raw: true }` — or
 * dotenv lines (`KEY=value`; a file whose first entry reads so). gitlab-ci-local's
 * `.gitlab-ci-local-variables.yml` has this shape.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isMap, isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { RunfleetError } from "../errors/index.js";
import type { ProjectVariable } from "../plan/types.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELDS = ["value", "values", "type", "masked", "raw"] as const;
const HINT =
  "write KEY: value, or KEY: { values: { '*': value, production: other }, type: file, masked: true, raw: true }";

/** gitlab-ci-local's project variables file: read when no --variables-file names one. */
export const GITLAB_CI_LOCAL_VARIABLES_FILE = ".gitlab-ci-local-variables.yml";

/** The project's CI/CD variables: `file` (relative to `cwd`), else gitlab-ci-local's file, if there. */
export async function loadProjectVariables(input: {
  readonly file: string | undefined;
  readonly cwd: string;
  readonly projectRoot: string;
  readonly notice: (message: string) => void;
}): Promise<ProjectVariable[]> {
  if (input.file !== undefined) return readVariablesFile(resolve(input.cwd, input.file), input.file);
  const fallback = join(input.projectRoot, GITLAB_CI_LOCAL_VARIABLES_FILE);
  if (!existsSync(fallback)) return [];
  input.notice(
    `notice: project variables from ${GITLAB_CI_LOCAL_VARIABLES_FILE} (--variables-file names another file)`,
  );
  return readVariablesFile(fallback, GITLAB_CI_LOCAL_VARIABLES_FILE);
}

export async function readVariablesFile(path: string, shownAs: string): Promise<ProjectVariable[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new RunfleetError("CONFIG_NOT_FOUND", `cannot read the variables file ${shownAs}`, {
      cause,
      hint: "check the path given to --variables-file",
    });
  }
  return parseVariablesFile(text, shownAs);
}

/** A file whose first entry is `KEY=…` is dotenv; anything else is read as YAML. */
function isDotenv(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== "" && !/^\s*(#|---)/.test(l));
  return first !== undefined && /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=/.test(first);
}

export function parseVariablesFile(text: string, file: string): ProjectVariable[] {
  if (isDotenv(text)) return parseDotenvVariables(text, file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines, uniqueKeys: true });
  const at = (node: Node | null | undefined, path?: string) => ({
    file,
    ...posOf(lines, node?.range?.[0] ?? 0),
    ...(path === undefined ? {} : { path }),
  });
  const [error] = doc.errors;
  if (error !== undefined) {
    throw new RunfleetError("CONFIG_INVALID", `malformed YAML: ${error.message.split("\n")[0]}`, {
      location: { file, ...posOf(lines, error.pos[0]) },
      hint: "a variables file is YAML (KEY: value) or dotenv lines (KEY=value)",
    });
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && String(root.value).trim() === "")) return [];
  if (!isMap(root)) {
    throw new RunfleetError("CONFIG_INVALID", "a variables file is a mapping of variable names", {
      location: at(root),
      hint: HINT,
    });
  }
  const out: ProjectVariable[] = [];
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    if (!NAME.test(key)) {
      throw new RunfleetError("CONFIG_INVALID", `"${key}" is not a valid variable name`, {
        location: at(keyNode),
        hint: "names are letters, digits and _, not starting with a digit",
      });
    }
    const value = pair.value as Node | null;
    if (isScalar(value)) out.push({ key, value: String(value.value), environmentScope: "*" });
    else if (isMap(value)) out.push(...variableEntry(key, value, at));
    else
      throw new RunfleetError("CONFIG_INVALID", `${key} needs a value`, {
        location: at(keyNode, key),
        hint: HINT,
      });
  }
  return out;
}

function posOf(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

type At = (node: Node | null | undefined, path?: string) => RunfleetError["location"];

function variableEntry(key: string, entry: YAMLMap, at: At): ProjectVariable[] {
  const fields = new Map<string, Node | null>();
  for (const pair of entry.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw new RunfleetError("CONFIG_INVALID", `${key} has an unknown field "${name}"`, {
        location: at(pair.key as Node, `${key}.${name}`),
        hint: HINT,
      });
    }
    fields.set(name, pair.value as Node | null);
  }
  const scalar = (name: string): string | undefined => {
    const node = fields.get(name);
    if (node === undefined) return undefined;
    if (!isScalar(node))
      throw new RunfleetError("CONFIG_INVALID", `${key}.${name} must be text`, {
        location: at(node ?? entry, `${key}.${name}`),
        hint: HINT,
      });
    return String(node.value);
  };
  const flag = (name: string): boolean => {
    const text = scalar(name);
    if (text === undefined || text === "false") return false;
    if (text === "true") return true;
    throw new RunfleetError("CONFIG_INVALID", `${key}.${name} must be true or false, not "${text}"`, {
      location: at(fields.get(name), `${key}.${name}`),
    });
  };
  const type = scalar("type") ?? "variable";
  if (!["variable", "env_var", "file"].includes(type)) {
    throw new RunfleetError("CONFIG_INVALID", `${key}.type must be variable or file, not "${type}"`, {
      location: at(fields.get("type"), `${key}.type`),
    });
  }
  const flags = {
    ...(type === "file" ? { file: true } : {}),
    ...(flag("masked") ? { masked: true } : {}),
    ...(flag("raw") ? { raw: true } : {}),
  };
  const single = scalar("value");
  const values = fields.get("values");
  if ((single === undefined) === (values === undefined)) {
    throw new RunfleetError("CONFIG_INVALID", `${key} needs either value or values (one of them)`, {
      location: at(entry, key),
      hint: HINT,
    });
  }
  if (single !== undefined) return [{ key, value: single, environmentScope: "*", ...flags }];
  if (!isMap(values) || values.items.length === 0) {
    throw new RunfleetError("CONFIG_INVALID", `${key}.values maps environment scopes to values`, {
      location: at(values ?? entry, `${key}.values`),
      hint: HINT,
    });
  }
  return values.items.map((pair) => {
    const scope = isScalar(pair.key) ? String(pair.key.value) : "";
    const value = pair.value as Node | null;
    if (scope === "" || !isScalar(value)) {
      throw new RunfleetError(
        "CONFIG_INVALID",
        `${key}.values["${scope}"] must be text for a non-empty scope`,
        {
          location: at((pair.key as Node) ?? values, `${key}.values`),
          hint: HINT,
        },
      );
    }
    return { key, value: String(value.value), environmentScope: scope, ...flags };
  });
}

/** `KEY=value` lines: `#` comments, an optional `export`, values single- or double-quoted. */
export function parseDotenvVariables(text: string, file: string): ProjectVariable[] {
  const out: ProjectVariable[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null) {
      throw new RunfleetError("CONFIG_INVALID", `line ${i + 1} is not KEY=value: ${line.slice(0, 80)}`, {
        location: { file, line: i + 1, column: raw.length - raw.trimStart().length + 1 },
        hint: "a variables file is YAML (KEY: value) or dotenv lines (KEY=value)",
      });
    }
    out.push({ key: m[1] ?? "", value: dotenvValue(m[2] ?? ""), environmentScope: "*" });
  }
  return out;
}

function dotenvValue(text: string): string {
  const q = text[0];
  if ((q === '"' || q === "'") && text.length >= 2) {
    const end = text.lastIndexOf(q);
    if (end > 0) {
      const inner = text.slice(1, end);
      return q === '"' ? inner.replace(/\\n/g, "\n").replace(/\\r/g, "\r") : inner;
    }
  }
  // An unquoted value ends where a comment starts.
  const comment = text.search(/\s#/);
  return (comment < 0 ? text : text.slice(0, comment)).trim();
}
