import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
  type Scalar as YamlScalar,
} from "yaml";
import { child, type Problems } from "./problems.js";
import type { Pos, Scalar, YEntry, YMap, YNode } from "./yaml-tree.js";

/**
 * Aliases are expanded into the tree; past this many nodes per file the file is an alias bomb
 * ("billion laughs") rather than a pipeline, and loading stops instead of hanging.
 */
export const MAX_NODES_PER_FILE = 100_000;

const referenceTag = {
  tag: "!reference",
  collection: "seq" as const,
  resolve: <T>(seq: T): T => seq,
};

/** GitLab's own limit on YAML nesting; it also keeps every recursive step below far from the stack limit. */
export const MAX_DEPTH = 100;

class TooManyNodes extends Error {}

/**
 * Parses one YAML file (all of its documents) into position-keeping trees. Problems are reported,
 * not thrown; a document with syntax errors yields nothing.
 */
export function parseYaml(text: string, file: string, problems: Problems): YNode[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    uniqueKeys: false,
    merge: false,
    prettyErrors: false,
    customTags: [referenceTag],
  });
  const posOf = (offset: number): Pos => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const out: YNode[] = [];
  if (docs.length === 0) return [{ kind: "map", entries: new Map(), pos: posOf(0) }];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    let failed = false;
    for (const e of doc.errors) {
      failed = true;
      problems.error(
        `malformed YAML: ${firstLine(e.message)}`,
        { pos: posOf(e.pos[0]), path: "" },
        { hint: "check indentation, quotes and brackets around this line" },
      );
    }
    for (const w of doc.warnings) {
      if (w.code === "TAG_RESOLVE_FAILED") {
        failed = true;
        if (w.message.includes("!reference")) {
          problems.error("`!reference` needs a list: !reference [job, key]", {
            pos: posOf(w.pos[0]),
            path: "",
          });
          continue;
        }
        problems.error(
          `unknown YAML tag: ${firstLine(w.message)}`,
          { pos: posOf(w.pos[0]), path: "" },
          { hint: "GitLab CI supports only the `!reference` tag" },
        );
      }
    }
    if (failed) continue;
    if (doc.contents === null) {
      out.push({ kind: "map", entries: new Map(), pos: posOf(doc.range[0]) });
      continue;
    }
    const converter = new Converter(doc, posOf, problems);
    try {
      out.push(converter.convert(doc.contents as Node, ""));
    } catch (err) {
      if (!(err instanceof TooManyNodes)) throw err;
      problems.error(
        `YAML aliases expand to more than ${MAX_NODES_PER_FILE} nodes`,
        { pos: posOf(0), path: "" },
        {
          hint: 'this looks like an alias bomb ("billion laughs"); reduce the nesting of anchors and aliases',
        },
      );
    }
  }
  return out;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

class Converter {
  private nodes = 0;
  private depth = 0;
  private tooDeep = false;
  private readonly expanding = new Set<Node>();
  /** Anchor name → its nodes; yaml's own `resolve` scans the whole document on every alias. */
  private readonly anchors = new Map<string, Node[]>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly posOf: (offset: number) => Pos,
    private readonly problems: Problems,
  ) {
    visit(doc, (_, node) => {
      const anchor = (node as { anchor?: unknown } | null)?.anchor;
      if (typeof anchor === "string")
        this.anchors.set(anchor, [...(this.anchors.get(anchor) ?? []), node as Node]);
    });
  }

  convert(node: Node, path: string): YNode {
    if (++this.nodes > MAX_NODES_PER_FILE) throw new TooManyNodes();
    if (this.depth >= MAX_DEPTH) {
      const pos = this.posOf(node.range?.[0] ?? 0);
      if (!this.tooDeep)
        this.problems.error(
          `YAML is nested more than ${MAX_DEPTH} levels deep`,
          { pos, path },
          { hint: "GitLab refuses configs nested this deep" },
        );
      this.tooDeep = true;
      return { kind: "scalar", value: null, pos };
    }
    this.depth++;
    try {
      return this.convertNode(node, path);
    } finally {
      this.depth--;
    }
  }

  private convertNode(node: Node, path: string): YNode {
    if (isAlias(node)) return this.alias(node, path);
    const pos = this.posOf(node.range?.[0] ?? 0);
    if (isScalar(node)) return { kind: "scalar", value: scalarValue(node), pos };
    if (isSeq(node)) {
      const items = node.items.map((item, i) => this.convert(item as Node, child(path, i)));
      if (node.tag === "!reference") return this.reference(items, pos, path);
      return { kind: "seq", items, pos };
    }
    if (isMap(node)) {
      if (node.tag === "!reference")
        this.problems.error("`!reference` needs a list: !reference [job, key]", { pos, path });
      return this.map(node.items, pos, path);
    }
    this.problems.error("unsupported YAML node", { pos, path });
    return { kind: "scalar", value: null, pos };
  }

  private alias(
    node: Node & { resolve(doc: Document): Node | undefined; source: string },
    path: string,
  ): YNode {
    const pos = this.posOf(node.range?.[0] ?? 0);
    const named = this.anchors.get(node.source);
    // A re-used anchor name needs position-aware lookup, which yaml's resolve does.
    const target = named?.length === 1 ? named[0] : node.resolve(this.doc);
    if (target === undefined) {
      this.problems.error(`unknown YAML alias *${node.source}`, { pos, path });
      return { kind: "scalar", value: null, pos };
    }
    if (this.expanding.has(target)) {
      this.problems.error(`YAML alias *${node.source} refers to itself`, { pos, path });
      return { kind: "scalar", value: null, pos };
    }
    this.expanding.add(target);
    try {
      return this.convert(target, path);
    } finally {
      this.expanding.delete(target);
    }
  }

  private reference(items: YNode[], pos: Pos, path: string): YNode {
    const parts: string[] = [];
    for (const item of items) {
      if (item.kind !== "scalar" || item.value === null) {
        this.problems.error("`!reference` items must be job and key names", { pos: item.pos, path });
        return { kind: "scalar", value: null, pos };
      }
      parts.push(String(item.value));
    }
    if (parts.length === 0) this.problems.error("`!reference` needs at least a job name", { pos, path });
    return { kind: "reference", path: parts, pos };
  }

  private map(pairs: readonly unknown[], pos: Pos, path: string): YMap {
    const own = new Map<string, YEntry>();
    const merged = new Map<string, YEntry>();
    for (const pair of pairs) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const keyPos = this.posOf(keyNode?.range?.[0] ?? 0);
      if (isScalar(keyNode) && keyNode.value === "<<" && keyNode.type === "PLAIN") {
        this.mergeInto(merged, pair.value as Node | null, keyPos, path);
        continue;
      }
      if (keyNode !== null && !isScalar(keyNode)) {
        this.problems.error("keys must be plain strings", { pos: keyPos, path });
        continue;
      }
      const key = keyNode === null ? "" : keyText(keyNode);
      const value =
        pair.value === null
          ? { kind: "scalar" as const, value: null, pos: keyPos }
          : this.convert(pair.value as Node, child(path, key));
      // YAML lets a key repeat; GitLab keeps the last one, and so do we (`own` keeps first-seen order).
      if (own.has(key)) {
        this.problems.warn("DUPLICATE_KEY", `key \`${key}\` is repeated; the last one wins`, {
          pos: keyPos,
          path: child(path, key),
        });
      }
      own.set(key, { keyPos, value });
    }
    // Merge keys never override keys written in the map itself.
    const entries = new Map<string, YEntry>(merged);
    for (const [k, e] of own) entries.set(k, e);
    return { kind: "map", entries, pos };
  }

  private mergeInto(into: Map<string, YEntry>, value: Node | null, keyPos: Pos, path: string): void {
    const sources = isSeq(value) ? (value.items as Node[]) : value === null ? [] : [value];
    for (const source of sources) {
      const node = this.convert(source, path);
      if (node.kind !== "map") {
        this.problems.error("`<<` merge key needs a mapping or an alias of one", {
          pos: keyPos,
          path: child(path, "<<"),
        });
        continue;
      }
      // With several sources the first one wins, as YAML 1.1 specifies.
      for (const [k, e] of node.entries) if (!into.has(k)) into.set(k, e);
    }
  }
}

/**
 * GitLab reads YAML with Ruby's Psych, which follows YAML 1.1 for booleans: unquoted yes/no/on/off
 * are true/false there (`interruptible: yes` is valid), so they are here too.
 */
const YAML11_TRUE = /^(yes|on)$/i;
const YAML11_FALSE = /^(no|off)$/i;

/** Keys keep their text: a job or variable called `on` stays `on`. */
function keyText(node: YamlScalar): string {
  const v = node.value;
  return v === null || v === undefined ? "" : String(v);
}

function scalarValue(node: YamlScalar): Scalar {
  const v = node.value;
  if (v === null || v === undefined) return null;
  if (typeof v === "string" && node.type === "PLAIN") {
    if (YAML11_TRUE.test(v)) return true;
    if (YAML11_FALSE.test(v)) return false;
  }
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  return String(v);
}
