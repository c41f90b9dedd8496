import { isAbsolute, join, posix, relative, sep } from "node:path";
import { mergeMaps } from "./deep-merge.js";
import { includeRulesAllow } from "./evaluate-include-rules.js";
import { type IncludeSpec, readIncludeSpecs } from "./include-spec.js";
import { includeWildcardMatcher } from "./include-wildcard.js";
import { interpolate, readInputSpecs, resolveInputs } from "./interpolate-inputs.js";
import { parseYaml } from "./parse-yaml.js";
import type { At, Problems } from "./problems.js";
import type { FileReader } from "./types.js";
import type { YEntry, YMap, YNode } from "./yaml-tree.js";

/** A file larger than this is refused before it is parsed (GitLab's own limit is of the same order). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** GitLab's limit on included files per pipeline. */
export const MAX_INCLUDES = 150;

export interface IncludeContext {
  readonly projectDir: string;
  readonly reader: FileReader;
  readonly problems: Problems;
  readonly variables: Readonly<Record<string, string>>;
  readonly componentDir: string | undefined;
  /** Every file read, relative to the project directory, in the order read. */
  readonly files: string[];
  includes: number;
  listing: Promise<readonly string[]> | undefined;
}

export function projectFiles(ctx: IncludeContext): Promise<readonly string[]> {
  ctx.listing ??= ctx.reader.listFiles(ctx.projectDir);
  return ctx.listing;
}

/**
 * Size first, so an oversized file is refused unread; then the text. A file that exists but cannot
 * be read (permissions, a directory) is a problem to report, not a crash.
 */
async function readSafely(
  ctx: IncludeContext,
  file: FileRef,
): Promise<{ size: number; text?: string } | undefined | "failed"> {
  try {
    const size = await ctx.reader.size(file.abs);
    if (size === undefined) return undefined;
    if (size > MAX_FILE_BYTES) return { size };
    return { size, text: (await ctx.reader.readFile(file.abs)) ?? "" };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    ctx.problems.error(
      `cannot read ${file.display}: ${reason}`,
      { pos: { file: file.display, line: 1, column: 1 }, path: "" },
      { cause: err, hint: "check the file's permissions" },
    );
    return "failed";
  }
}

async function staysInProject(ctx: IncludeContext, abs: string): Promise<boolean> {
  if (ctx.reader.realPath === undefined) return true;
  const [real, root] = await Promise.all([ctx.reader.realPath(abs), ctx.reader.realPath(ctx.projectDir)]);
  if (real === undefined || root === undefined) return true;
  const rel = relative(root, real);
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

interface FileRef {
  /** Component files come from the component directory, outside the project by design. */
  readonly outsideProject?: boolean;
  readonly abs: string;
  /** How errors name the file: relative to the project directory. */
  readonly display: string;
}

/**
 * Reads one config file and everything it includes, merged the GitLab way: includes in order (later
 * ones override earlier ones), then the including file on top. Returns undefined when the file could
 * not be read or parsed (the problem is recorded).
 */
export async function loadConfigFile(
  ctx: IncludeContext,
  file: FileRef,
  via: At | undefined,
  inputs: YMap | undefined,
  chain: readonly string[],
): Promise<YMap | undefined> {
  const { problems } = ctx;
  if (via !== undefined && !file.outsideProject && !(await staysInProject(ctx, file.abs))) {
    problems.error(
      `include \`${file.display}\` leads outside the project directory through a symbolic link`,
      via,
      {
        hint: "include files that live inside the repository",
      },
    );
    return undefined;
  }
  const read = await readSafely(ctx, file);
  if (read === "failed") return undefined;
  const size = read?.size;
  if (size === undefined) {
    if (via === undefined)
      problems.error(`config file not found: ${file.display}`, undefined, {
        code: "CONFIG_NOT_FOUND",
        hint: "pass the pipeline file with --file",
      });
    else
      problems.error(`Local include file cannot be found ${file.display}`, via, {
        hint: "include paths are relative to the project's root directory",
      });
    return undefined;
  }
  if (size > MAX_FILE_BYTES) {
    problems.error(
      `${file.display} is ${size} bytes; config files are limited to ${MAX_FILE_BYTES} bytes (1 MiB)`,
      via ?? { pos: { file: file.display, line: 1, column: 1 }, path: "" },
    );
    return undefined;
  }
  const text = read?.text ?? "";
  if (!ctx.files.includes(file.display)) ctx.files.push(file.display);
  const docs = parseYaml(text, file.display, problems);
  if (docs.length === 0) return undefined;
  let body: YNode | undefined = docs[0];
  const first = docs[0];
  if (docs.length > 1 && first?.kind === "map" && first.entries.has("spec")) {
    body = docs[1];
    const before = problems.errors.length;
    const values = resolveInputs(
      readInputSpecs(first, problems),
      inputs,
      file.display,
      via ?? { pos: first.pos, path: "" },
      problems,
    );
    if (body !== undefined) body = interpolate(body, values, file.display, problems);
    // With a wrong input the content is not what its author meant; checking it would only repeat
    // the input problem in other words.
    if (problems.errors.length > before) return undefined;
    if (docs.length > 2)
      problems.error("a config file holds at most a header document and a content document", {
        pos: docs[2]?.pos ?? first.pos,
        path: "",
      });
  } else if (docs.length > 1) {
    problems.error("a config file with several YAML documents must start with a `spec:` header", {
      pos: docs[1]?.pos ?? first?.pos ?? { file: file.display, line: 1, column: 1 },
      path: "",
    });
  } else if (inputs !== undefined && inputs.entries.size > 0) {
    problems.error(
      `\`${file.display}\` takes no inputs: it has no \`spec: inputs:\` header`,
      via ?? { pos: inputs.pos, path: "" },
    );
  }
  if (body === undefined) return undefined;
  if (body.kind === "scalar" && body.value === null)
    return { kind: "map", entries: new Map(), pos: body.pos };
  if (body.kind !== "map") {
    problems.error("the top level of a config file must be a mapping of keywords and jobs", {
      pos: body.pos,
      path: "",
    });
    return undefined;
  }
  const include = body.entries.get("include");
  if (include === undefined) return body;
  const own = new Map<string, YEntry>(body.entries);
  own.delete("include");
  let merged: YMap = { kind: "map", entries: new Map(), pos: body.pos };
  for (const spec of readIncludeSpecs(include.value, "include", problems)) {
    for (const included of await includedMaps(ctx, spec, [...chain, file.display]))
      merged = mergeMaps(merged, included);
  }
  return mergeMaps(merged, { kind: "map", entries: own, pos: body.pos });
}

async function includedMaps(
  ctx: IncludeContext,
  spec: IncludeSpec,
  chain: readonly string[],
): Promise<YMap[]> {
  const { problems } = ctx;
  if (spec.rules !== undefined) {
    const allowed = await includeRulesAllow(
      spec.rules,
      `${spec.at.path}.rules`,
      ctx.variables,
      () => projectFiles(ctx),
      problems,
    );
    if (!allowed) return [];
  }
  switch (spec.kind) {
    case "remote":
    case "project":
    case "template":
      problems.error(`include \`${spec.name}\` cannot be fetched: Runfleet loads configs offline`, spec.at, {
        code: "INCLUDE_UNAVAILABLE",
        hint: "copy the file into the repository and include it with `local:`",
      });
      return [];
    case "component": {
      const file = await componentFile(ctx, spec.component);
      if (file === undefined) {
        problems.error(
          `include \`component: ${spec.component}\` cannot be fetched: Runfleet loads configs offline`,
          spec.at,
          {
            code: "INCLUDE_UNAVAILABLE",
            hint:
              ctx.componentDir === undefined
                ? "set a component directory that holds <project path>/templates/<name>.yml"
                : `no templates/<name>.yml or templates/<name>/template.yml for it under ${ctx.componentDir}`,
          },
        );
        return [];
      }
      return load(ctx, file, spec, chain);
    }
    case "local": {
      const paths = await localPaths(ctx, spec);
      const out: YMap[] = [];
      for (const path of paths)
        out.push(...(await load(ctx, { abs: join(ctx.projectDir, path), display: path }, spec, chain)));
      return out;
    }
    default: {
      const never: never = spec;
      return never;
    }
  }
}

async function load(
  ctx: IncludeContext,
  file: FileRef,
  spec: IncludeSpec,
  chain: readonly string[],
): Promise<YMap[]> {
  if (chain.includes(file.display)) {
    ctx.problems.error(`include cycle: ${[...chain, file.display].join(" → ")}`, spec.at, {
      hint: "a file must not include itself, directly or through other files",
    });
    return [];
  }
  if (++ctx.includes > MAX_INCLUDES) {
    if (ctx.includes === MAX_INCLUDES + 1)
      ctx.problems.error(`more than ${MAX_INCLUDES} includes`, spec.at, {
        hint: "GitLab allows at most 150 included files per pipeline",
      });
    return [];
  }
  const inputs = spec.kind === "local" || spec.kind === "component" ? spec.inputs : undefined;
  const map = await loadConfigFile(ctx, file, spec.at, inputs, chain);
  return map === undefined ? [] : [map];
}

/** A local include's path(s), relative to the project directory; wildcards expanded in sorted order. */
async function localPaths(
  ctx: IncludeContext,
  spec: Extract<IncludeSpec, { kind: "local" }>,
): Promise<string[]> {
  const { problems } = ctx;
  const expanded = expandVariables(spec.path, ctx.variables);
  if (expanded.trim() === "") {
    problems.error(`include \`${spec.path}\` expands to an empty path`, spec.at, {
      hint: "set the variables it uses (project, pipeline or predefined variables)",
    });
    return [];
  }
  const slashed = expanded.replace(/\\/g, "/");
  if (slashed.split("/").includes("..")) {
    problems.error(
      `\`${expanded}\` for include:local is invalid. GitLab does not support directory traversal.`,
      spec.at,
      { hint: "local includes are relative to the project's root and cannot leave it" },
    );
    return [];
  }
  if (slashed.startsWith("./")) {
    problems.error(
      `\`${expanded}\` for include:local is invalid. GitLab does not support relative path (ie. cannot start with \`./\`).`,
      spec.at,
      { hint: "write the path from the project's root, e.g. `/ci/build.yml`" },
    );
    return [];
  }
  const cleaned = posix.normalize(slashed.replace(/^\/+/, ""));
  if (isAbsolute(cleaned)) {
    problems.error(`include \`${spec.path}\` is outside the project directory`, spec.at);
    return [];
  }
  if (!/\.ya?ml$/.test(cleaned)) {
    problems.error(`Included file \`${spec.path}\` does not have YAML extension!`, spec.at, {
      hint: "include files ending in .yml or .yaml",
    });
    return [];
  }
  if (!cleaned.includes("*")) return [cleaned];
  const isMatch = includeWildcardMatcher(cleaned);
  const matches = (await projectFiles(ctx)).filter((f) => isMatch(f));
  if (matches.length === 0)
    problems.warn("INCLUDE_MATCHED_NOTHING", `include \`${spec.path}\` matches no file`, spec.at);
  return matches;
}

/** `$VAR` and `${VAR}` from the variables GitLab allows in include paths; unknown ones become empty. */
export function expandVariables(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (_, braced: string | undefined, bare: string | undefined) => variables[braced ?? bare ?? ""] ?? "",
  );
}

/** `host/group/project/name@version` served from `<componentDir>/group/project/templates/`. */
async function componentFile(ctx: IncludeContext, address: string): Promise<FileRef | undefined> {
  if (ctx.componentDir === undefined) return undefined;
  const [location = ""] = address.split("@");
  const parts = location.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  const name = parts.pop();
  if (name === undefined || parts.length < 1) return undefined;
  const projectPath = parts.slice(1).join("/");
  const candidates = [
    join(ctx.componentDir, projectPath, "templates", `${name}.yml`),
    join(ctx.componentDir, projectPath, "templates", name, "template.yml"),
    join(ctx.componentDir, `${name}.yml`),
  ];
  for (const abs of candidates) {
    if ((await ctx.reader.size(abs)) !== undefined)
      return { abs, display: relative(ctx.projectDir, abs).split(sep).join("/"), outsideProject: true };
  }
  return undefined;
}
