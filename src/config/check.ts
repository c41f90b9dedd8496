import { didYouMean } from "./did-you-mean.js";
import { parseDuration } from "./durations.js";
import { type At, child, type Problems } from "./problems.js";
import { scalarText, type YMap, type YNode, type YSeq } from "./yaml-tree.js";

/**
 * Typed reads of YAML nodes: each returns the value or undefined after recording a problem that
 * names the key path, so one pass reports every wrong value.
 */
export class Check {
  constructor(readonly problems: Problems) {}

  error(message: string, node: YNode | At, path?: string, hint?: string): void {
    const at: At = "kind" in node ? { pos: node.pos, path: path ?? "" } : node;
    this.problems.error(message, at, hint === undefined ? {} : { hint });
  }

  /** Reports keys of `map` that are not in `allowed`, suggesting the closest one. */
  keys(map: YMap, path: string, allowed: ReadonlySet<string>, what: string): void {
    for (const [key, entry] of map.entries) {
      if (allowed.has(key)) continue;
      const hint = didYouMean(key, allowed);
      this.problems.error(
        `unknown ${what} keyword \`${key}\``,
        { pos: entry.keyPos, path: child(path, key) },
        {
          hint: hint ?? `${what} keywords: ${[...allowed].sort().join(", ")}`,
        },
      );
    }
  }

  map(node: YNode, path: string, name = lastKey(path)): YMap | undefined {
    if (node.kind === "map") return node;
    this.error(`\`${name}\` must be a mapping`, node, path);
    return undefined;
  }

  list(node: YNode, path: string, name = lastKey(path)): YSeq | undefined {
    if (node.kind === "seq") return node;
    this.error(`\`${name}\` must be a list`, node, path);
    return undefined;
  }

  /** A string; numbers are accepted and written as GitLab would. */
  string(node: YNode, path: string, name = lastKey(path)): string | undefined {
    if (node.kind === "scalar" && (typeof node.value === "string" || typeof node.value === "number"))
      return String(node.value);
    this.error(`\`${name}\` must be a string`, node, path);
    return undefined;
  }

  nonEmpty(node: YNode, path: string, name = lastKey(path)): string | undefined {
    const s = this.string(node, path, name);
    if (s !== undefined && s.trim() === "") {
      this.error(`\`${name}\` must not be empty`, node, path);
      return undefined;
    }
    return s;
  }

  boolean(node: YNode, path: string, name = lastKey(path)): boolean | undefined {
    if (node.kind === "scalar" && typeof node.value === "boolean") return node.value;
    this.error(`\`${name}\` must be true or false`, node, path);
    return undefined;
  }

  integer(node: YNode, path: string, min: number, max: number, name = lastKey(path)): number | undefined {
    if (node.kind === "scalar" && typeof node.value === "number" && Number.isInteger(node.value)) {
      if (node.value >= min && node.value <= max) return node.value;
      this.error(`\`${name}\` must be between ${min} and ${max} (found ${node.value})`, node, path);
      return undefined;
    }
    this.error(`\`${name}\` must be a whole number between ${min} and ${max}`, node, path);
    return undefined;
  }

  oneOf<T extends string>(
    node: YNode,
    path: string,
    values: readonly T[],
    name = lastKey(path),
  ): T | undefined {
    const text = node.kind === "scalar" ? scalarText(node.value) : undefined;
    if (text !== undefined && (values as readonly string[]).includes(text)) return text as T;
    const found = text === undefined ? "" : ` (found ${text})`;
    const hint = text === undefined ? undefined : didYouMean(text, values);
    this.error(`\`${name}\` must be one of ${values.join(", ")}${found}`, node, path, hint);
    return undefined;
  }

  /** A string or a list of strings. */
  strings(node: YNode, path: string, name = lastKey(path)): string[] | undefined {
    if (node.kind === "scalar") {
      const s = this.string(node, path, name);
      return s === undefined ? undefined : [s];
    }
    if (node.kind !== "seq") {
      this.error(`\`${name}\` must be a string or a list of strings`, node, path);
      return undefined;
    }
    const out: string[] = [];
    node.items.forEach((item, i) => {
      const s = this.string(item, child(path, i), name);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  /** A list of strings (a single string is refused). */
  stringList(node: YNode, path: string, name = lastKey(path)): string[] | undefined {
    return this.list(node, path, name) === undefined ? undefined : this.strings(node, path, name);
  }

  duration(node: YNode, path: string, name = lastKey(path)): number | undefined {
    const seconds =
      node.kind === "scalar" && (typeof node.value === "string" || typeof node.value === "number")
        ? parseDuration(node.value)
        : undefined;
    if (seconds === undefined)
      this.error(`\`${name}\` must be a duration such as \`1h 30m\` or \`3 days\``, node, path);
    return seconds;
  }
}

function lastKey(path: string): string {
  const m = /([^.[\]]+)(\[\d+\])*$/.exec(path);
  return m?.[1] ?? path;
}
