import { type At, child, type Problems } from "./problems.js";
import { get, scalarText, type YMap, type YNode } from "./yaml-tree.js";

/** One entry of `include:` after normalising the string and `{local: ...}` forms. */
export type IncludeSpec =
  | {
      readonly kind: "local";
      readonly path: string;
      readonly at: At;
      readonly inputs?: YMap;
      readonly rules?: YNode;
    }
  | {
      readonly kind: "component";
      readonly component: string;
      readonly at: At;
      readonly inputs?: YMap;
      readonly rules?: YNode;
    }
  | {
      readonly kind: "remote" | "project" | "template";
      readonly name: string;
      readonly at: At;
      readonly rules?: YNode;
    };

const INCLUDE_KEYS = new Set([
  "local",
  "remote",
  "project",
  "file",
  "ref",
  "template",
  "component",
  "inputs",
  "rules",
  "integrity",
  "cache",
]);

/** Reads the value of an `include:` key into specs, reporting entries it cannot understand. */
export function readIncludeSpecs(node: YNode, path: string, problems: Problems): IncludeSpec[] {
  const items = node.kind === "seq" ? node.items : [node];
  const specs: IncludeSpec[] = [];
  items.forEach((item, i) => {
    const itemPath = node.kind === "seq" ? child(path, i) : path;
    const at: At = { pos: item.pos, path: itemPath };
    if (item.kind === "scalar" && typeof item.value === "string") {
      const text = item.value;
      specs.push(
        /^https?:\/\//.test(text)
          ? { kind: "remote", name: `remote: ${text}`, at }
          : { kind: "local", path: text, at },
      );
      return;
    }
    if (item.kind !== "map") {
      problems.error(
        "an include must be a file path or a mapping (local, remote, project, template, component)",
        at,
      );
      return;
    }
    const spec = readMap(item, at, problems);
    if (spec !== undefined) specs.push(spec);
  });
  return specs;
}

function readMap(map: YMap, at: At, problems: Problems): IncludeSpec | undefined {
  for (const key of map.entries.keys()) {
    if (!INCLUDE_KEYS.has(key))
      problems.error(`unknown include keyword \`${key}\``, {
        pos: map.entries.get(key)?.keyPos ?? map.pos,
        path: child(at.path, key),
      });
  }
  const text = (key: string): string | undefined => {
    const v = get(map, key);
    if (v === undefined) return undefined;
    if (v.kind !== "scalar" || v.value === null) {
      problems.error(`\`${key}\` must be a string`, { pos: v.pos, path: child(at.path, key) });
      return undefined;
    }
    return scalarText(v.value);
  };
  const inputsNode = get(map, "inputs");
  let inputs: YMap | undefined;
  if (inputsNode !== undefined) {
    if (inputsNode.kind === "map") inputs = inputsNode;
    else
      problems.error("`inputs` must be a mapping of input names to values", {
        pos: inputsNode.pos,
        path: child(at.path, "inputs"),
      });
  }
  const rules = get(map, "rules");
  const extra = { ...(inputs === undefined ? {} : { inputs }), ...(rules === undefined ? {} : { rules }) };
  const local = text("local");
  if (local !== undefined) return { kind: "local", path: local, at, ...extra };
  const component = text("component");
  if (component !== undefined) return { kind: "component", component, at, ...extra };
  const remote = text("remote");
  if (remote !== undefined) return { kind: "remote", name: `remote: ${remote}`, at, ...extra };
  const template = text("template");
  if (template !== undefined) return { kind: "template", name: `template: ${template}`, at, ...extra };
  const project = text("project");
  if (project !== undefined) {
    const file = get(map, "file");
    const files =
      file?.kind === "seq"
        ? file.items.map((f) => (f.kind === "scalar" ? scalarText(f.value) : "?")).join(", ")
        : file?.kind === "scalar"
          ? scalarText(file.value)
          : "";
    if (file === undefined) problems.error("`include: project` needs `file`", at);
    return { kind: "project", name: `project: ${project}, file: ${files}`, at, ...extra };
  }
  problems.error("an include needs one of local, remote, project, template or component", at);
  return undefined;
}
