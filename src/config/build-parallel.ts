import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { MatrixEntry, Parallel } from "./types.js";
import { get, scalarText, type YNode } from "./yaml-tree.js";

/** GitLab's ceiling for `parallel: N` and for the instances of one `parallel: matrix`. */
export const MAX_PARALLEL = 200;

/** `parallel: N` (2..200 in GitLab's schema; 1 is accepted) or `parallel: matrix: [...]`. */
export function buildParallel(node: YNode, path: string, check: Check): Parallel | undefined {
  if (node.kind === "scalar") {
    if (
      typeof node.value !== "number" ||
      !Number.isInteger(node.value) ||
      node.value < 1 ||
      node.value > MAX_PARALLEL
    ) {
      check.error(
        `\`parallel\` must be a whole number from 1 to ${MAX_PARALLEL} (found ${scalarText(node.value)})`,
        node,
        path,
        "split the work over several jobs, or use parallel: matrix",
      );
      return undefined;
    }
    return { kind: "count", count: node.value };
  }
  const map = check.map(node, path, "parallel");
  if (map === undefined) return undefined;
  check.keys(map, path, new Set(["matrix"]), "parallel");
  const matrixNode = get(map, "matrix");
  if (matrixNode === undefined) {
    check.error("`parallel` needs a number or `matrix`", node, path);
    return undefined;
  }
  const matrix = readMatrix(matrixNode, child(path, "matrix"), check);
  if (matrix === undefined) return undefined;
  const instances = matrixSize(matrix);
  if (instances > MAX_PARALLEL) {
    check.error(
      `\`parallel: matrix\` makes ${instances} jobs; the limit is ${MAX_PARALLEL}`,
      matrixNode,
      child(path, "matrix"),
      "reduce the number of values or split the matrix over several jobs",
    );
    return undefined;
  }
  return { kind: "matrix", matrix };
}

/** A list of `{ VAR: value | [values] }` entries. */
export function readMatrix(node: YNode, path: string, check: Check): MatrixEntry[] | undefined {
  const list = check.list(node, path, "matrix");
  if (list === undefined) return undefined;
  if (list.items.length === 0) {
    check.error("`matrix` must list at least one entry", node, path);
    return undefined;
  }
  const out: MatrixEntry[] = [];
  list.items.forEach((item, i) => {
    const entryPath = child(path, i);
    const map = check.map(item, entryPath, "matrix entry");
    if (map === undefined) return;
    const entry: Record<string, string[]> = {};
    for (const [name, { value }] of map.entries) {
      const values =
        value.kind === "scalar"
          ? [scalarText(value.value)]
          : check.strings(value, child(entryPath, name), name);
      if (values === undefined) continue;
      if (values.length === 0)
        check.error(`matrix variable \`${name}\` needs at least one value`, value, child(entryPath, name));
      else entry[name] = values;
    }
    out.push(entry);
  });
  return out;
}

/** How many jobs a matrix expands to: per entry the product of its value counts, summed. */
export function matrixSize(matrix: readonly MatrixEntry[]): number {
  return matrix.reduce(
    (sum, entry) => sum + Object.values(entry).reduce((p, values) => p * values.length, 1),
    0,
  );
}
