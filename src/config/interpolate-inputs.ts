import { type At, child, type Problems } from "./problems.js";
import { get, scalarText, toPlain, type YEntry, type YMap, type YNode } from "./yaml-tree.js";

/**
 * `include: inputs:` against the included file's `spec: inputs:` header, and `$[[ inputs.name ]]`
 * interpolation, with GitLab's messages.
 */
export type InputType = "string" | "number" | "boolean" | "array";

interface InputSpec {
  readonly name: string;
  readonly type: InputType;
  readonly default?: YNode;
  readonly options?: readonly YNode[];
  readonly regex?: string;
  /** Declared with a problem already reported: known by name, never given a value. */
  readonly broken?: true;
}

const INPUT_TYPES: readonly string[] = ["string", "number", "boolean", "array"];
const INPUT_KEYS = new Set(["default", "type", "options", "regex", "description"]);
const MAX_FUNCTIONS = 3;

/** Reads `spec: inputs:`; reports problems and leaves out inputs it cannot read. */
export function readInputSpecs(header: YMap, problems: Problems): Map<string, InputSpec> {
  const specs = new Map<string, InputSpec>();
  const spec = get(header, "spec");
  for (const key of header.entries.keys()) {
    if (key !== "spec")
      problems.error(`unknown header keyword \`${key}\``, at(header, key, "header"), {
        hint: "a header holds only `spec:`",
      });
  }
  if (spec === undefined || spec.kind !== "map") {
    if (spec !== undefined) problems.error("`spec` must be a mapping", { pos: spec.pos, path: "spec" });
    return specs;
  }
  const inputs = get(spec, "inputs");
  if (inputs === undefined) return specs;
  if (inputs.kind !== "map") {
    problems.error("`spec:inputs` must be a mapping of input names", {
      pos: inputs.pos,
      path: "spec.inputs",
    });
    return specs;
  }
  for (const [name, { value, keyPos }] of inputs.entries) {
    const path = `spec.inputs.${name}`;
    if (value.kind === "scalar" && value.value === null) {
      specs.set(name, { name, type: "string" });
      continue;
    }
    if (value.kind !== "map") {
      problems.error(`input \`${name}\` must be a mapping (default, type, options, regex, description)`, {
        pos: keyPos,
        path,
      });
      continue;
    }
    for (const k of value.entries.keys()) {
      if (!INPUT_KEYS.has(k)) problems.error(`unknown input keyword \`${k}\``, at(value, k, path));
    }
    const typeNode = get(value, "type");
    const type =
      typeNode === undefined ? "string" : typeNode.kind === "scalar" ? scalarText(typeNode.value) : "";
    if (!INPUT_TYPES.includes(type)) {
      problems.error(
        `header:spec:inputs:${name} input type unknown value: ${type}`,
        at(value, "type", path),
        {
          hint: `use one of ${INPUT_TYPES.join(", ")}`,
        },
      );
      specs.set(name, { name, type: "string", broken: true });
      continue;
    }
    const options = get(value, "options");
    const regex = get(value, "regex");
    const def = get(value, "default");
    specs.set(name, {
      name,
      type: type as InputType,
      ...(def === undefined ? {} : { default: def }),
      ...(options?.kind === "seq" ? { options: options.items } : {}),
      ...(regex?.kind === "scalar" ? { regex: scalarText(regex.value) } : {}),
    });
  }
  return specs;
}

function at(map: YMap, key: string, path: string): At {
  return { pos: map.entries.get(key)?.keyPos ?? map.pos, path: child(path, key) };
}

/** Checks the given inputs against the specs and returns every input's value. */
export function resolveInputs(
  specs: ReadonlyMap<string, InputSpec>,
  given: YMap | undefined,
  file: string,
  where: At,
  problems: Problems,
): Map<string, YNode | undefined> {
  const values = new Map<string, YNode | undefined>();
  for (const [name, entry] of given?.entries ?? []) {
    if (!specs.has(name)) {
      problems.error(
        `\`${file}\`: unknown input name provided: \`${name}\``,
        { pos: entry.keyPos, path: child(where.path, name) },
        {
          hint:
            specs.size === 0
              ? "the file declares no inputs"
              : `declared inputs: ${[...specs.keys()].join(", ")}`,
        },
      );
    }
  }
  for (const spec of specs.values()) {
    if (spec.broken === true) {
      values.set(spec.name, undefined);
      continue;
    }
    const provided = given?.entries.get(spec.name);
    const value = provided?.value ?? spec.default;
    const valueAt: At = provided ? { pos: provided.keyPos, path: child(where.path, spec.name) } : where;
    if (value === undefined) {
      problems.error(`\`${file}\`: \`${spec.name}\` input: required value has not been provided`, where, {
        hint: `add \`${spec.name}:\` under this include's \`inputs:\``,
      });
      values.set(spec.name, undefined);
      continue;
    }
    if (!hasType(value, spec.type)) {
      problems.error(`\`${file}\`: \`${spec.name}\` input: provided value is not a ${spec.type}`, valueAt);
      values.set(spec.name, undefined);
      continue;
    }
    if (spec.options !== undefined && value.kind === "scalar") {
      const allowed = spec.options.map((o) => (o.kind === "scalar" ? scalarText(o.value) : ""));
      const text = scalarText(value.value);
      if (!allowed.includes(text)) {
        problems.error(
          `\`${file}\`: \`${spec.name}\` input: \`${text}\` cannot be used because it is not in the list of allowed options`,
          valueAt,
          { hint: `allowed: ${allowed.join(", ")}` },
        );
        values.set(spec.name, undefined);
        continue;
      }
    }
    if (
      spec.regex !== undefined &&
      value.kind === "scalar" &&
      !matchesRegex(spec.regex, scalarText(value.value))
    ) {
      problems.error(
        `\`${file}\`: \`${spec.name}\` input: provided value does not match required RegEx pattern`,
        valueAt,
        {
          hint: `pattern: ${spec.regex}`,
        },
      );
      values.set(spec.name, undefined);
      continue;
    }
    values.set(spec.name, value);
  }
  return values;
}

function hasType(value: YNode, type: InputType): boolean {
  switch (type) {
    case "array":
      return value.kind === "seq";
    case "string":
      return value.kind === "scalar" && (typeof value.value === "string" || value.value === null);
    case "number":
      return value.kind === "scalar" && typeof value.value === "number";
    case "boolean":
      return value.kind === "scalar" && typeof value.value === "boolean";
    default: {
      const never: never = type;
      return never;
    }
  }
}

function matchesRegex(pattern: string, text: string): boolean {
  const source =
    pattern.startsWith("/") && pattern.lastIndexOf("/") > 0
      ? pattern.slice(1, pattern.lastIndexOf("/"))
      : pattern;
  try {
    return new RegExp(source).test(text);
  } catch {
    return false;
  }
}

const BLOCK = /\$\[\[(.*?)\]\]/g;

/** Replaces every `$[[ inputs.x ]]` in keys and values. A value that is one whole block keeps the input's type. */
export function interpolate(
  node: YNode,
  values: ReadonlyMap<string, YNode | undefined>,
  file: string,
  problems: Problems,
  path = "",
): YNode {
  switch (node.kind) {
    case "scalar": {
      if (typeof node.value !== "string" || !node.value.includes("$[[")) return node;
      const whole = /^\$\[\[(.*?)\]\]$/.exec(node.value);
      if (whole !== null && whole[1] !== undefined && !whole[1].includes("]]")) {
        const value = evaluateBlock(whole[1], values, file, { pos: node.pos, path }, problems);
        return value === undefined ? node : withPos(value, node);
      }
      return { ...node, value: interpolateText(node.value, values, file, { pos: node.pos, path }, problems) };
    }
    case "seq":
      return {
        ...node,
        items: node.items.map((item, i) => interpolate(item, values, file, problems, child(path, i))),
      };
    case "map": {
      const entries = new Map<string, YEntry>();
      for (const [key, entry] of node.entries) {
        const newKey = key.includes("$[[")
          ? interpolateText(key, values, file, { pos: entry.keyPos, path }, problems)
          : key;
        entries.set(newKey, {
          keyPos: entry.keyPos,
          value: interpolate(entry.value, values, file, problems, child(path, newKey)),
        });
      }
      return { ...node, entries };
    }
    case "reference":
      return node;
    default: {
      const never: never = node;
      return never;
    }
  }
}

function withPos(value: YNode, at: YNode): YNode {
  return value.kind === "scalar" ? { ...value, pos: at.pos } : value;
}

function interpolateText(
  text: string,
  values: ReadonlyMap<string, YNode | undefined>,
  file: string,
  where: At,
  problems: Problems,
): string {
  return text.replace(BLOCK, (block, inner: string) => {
    const value = evaluateBlock(inner, values, file, where, problems);
    if (value === undefined) return block;
    return value.kind === "scalar" ? scalarText(value.value) : JSON.stringify(toPlain(value));
  });
}

function evaluateBlock(
  inner: string,
  values: ReadonlyMap<string, YNode | undefined>,
  file: string,
  where: At,
  problems: Problems,
): YNode | undefined {
  const [access = "", ...functions] = inner.split("|").map((s) => s.trim());
  if (functions.length > MAX_FUNCTIONS) {
    problems.error(`\`${file}\`: too many functions in interpolation block`, where, {
      hint: `at most ${MAX_FUNCTIONS} functions`,
    });
    return undefined;
  }
  const m = /^inputs\.([A-Za-z0-9_-]+)$/.exec(access);
  const name = m?.[1];
  const value = name === undefined ? undefined : values.get(name);
  if (value === undefined) {
    const key = name ?? access.replace(/^inputs\./, "");
    // An input that failed validation was reported already; only unknown names are new problems.
    if (name === undefined || !values.has(name)) {
      problems.error(`\`${file}\`: unknown interpolation key: \`${key}\``, where, {
        hint: "declare it under `spec: inputs:` in the file's header",
      });
    }
    return undefined;
  }
  let result = value;
  for (const fn of functions) {
    const applied = applyFunction(fn, result);
    if (applied === undefined) {
      problems.error(`\`${file}\`: unknown interpolation function \`${fn}\``, where, {
        hint: "supported: expand_vars, truncate(offset,length), posix_escape",
      });
      return undefined;
    }
    result = applied;
  }
  return result;
}

function applyFunction(fn: string, value: YNode): YNode | undefined {
  const text = value.kind === "scalar" ? scalarText(value.value) : JSON.stringify(toPlain(value));
  // Variables are expanded when the job runs, which GitLab's expand_vars anticipates; keeping the text
  // unchanged leaves the same result for the job.
  if (fn === "expand_vars") return value;
  if (fn === "posix_escape")
    return { kind: "scalar", value: text.replace(/([^A-Za-z0-9_\-.,:/@\n])/g, "\\$1"), pos: value.pos };
  const t = /^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(fn);
  if (t !== null) {
    const offset = Number(t[1]);
    const length = Number(t[2]);
    return { kind: "scalar", value: text.slice(offset, offset + length), pos: value.pos };
  }
  return undefined;
}
