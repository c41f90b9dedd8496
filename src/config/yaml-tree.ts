/**
 * A YAML value tree that keeps the source position of every node through includes, `!reference`,
 * `extends` and `default:`, so errors found late still point at the line that caused them.
 */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type Scalar = string | number | boolean | null;

export interface YScalar {
  readonly kind: "scalar";
  readonly value: Scalar;
  readonly pos: Pos;
}

export interface YSeq {
  readonly kind: "seq";
  readonly items: readonly YNode[];
  readonly pos: Pos;
}

export interface YEntry {
  readonly keyPos: Pos;
  readonly value: YNode;
}

export interface YMap {
  readonly kind: "map";
  /** Insertion-ordered, as written. */
  readonly entries: ReadonlyMap<string, YEntry>;
  readonly pos: Pos;
}

/** `!reference [job, key, ...]`, resolved after includes are merged. */
export interface YReference {
  readonly kind: "reference";
  readonly path: readonly string[];
  readonly pos: Pos;
}

export type YNode = YScalar | YSeq | YMap | YReference;

export function scalar(value: Scalar, pos: Pos): YScalar {
  return { kind: "scalar", value, pos };
}

export function mapOf(entries: Iterable<[string, YEntry]>, pos: Pos): YMap {
  return { kind: "map", entries: new Map(entries), pos };
}

export function get(map: YMap, key: string): YNode | undefined {
  return map.entries.get(key)?.value;
}

/** The node as plain data (references shown as `{ "!reference": [...] }`), for previews and tests. */
export function toPlain(node: YNode): unknown {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map(toPlain);
    case "map":
      return Object.fromEntries([...node.entries].map(([k, e]) => [k, toPlain(e.value)]));
    case "reference":
      return { "!reference": [...node.path] };
    default: {
      const never: never = node;
      return never;
    }
  }
}

/** Plain data back into a tree, every node placed at `pos` (for values that lost their own positions). */
export function fromPlain(value: unknown, pos: Pos): YNode {
  if (Array.isArray(value)) return { kind: "seq", items: value.map((v) => fromPlain(v, pos)), pos };
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]): [string, YEntry] => [
      k,
      { keyPos: pos, value: fromPlain(v, pos) },
    ]);
    return { kind: "map", entries: new Map(entries), pos };
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return { kind: "scalar", value, pos };
  return { kind: "scalar", value: null, pos };
}

/** A scalar rendered the way GitLab turns it into a string (`1` → "1", `true` → "true", null → ""). */
export function scalarText(value: Scalar): string {
  return value === null ? "" : String(value);
}
