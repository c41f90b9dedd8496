import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { buildConfig } from "./build-config.js";
import { ConfigInvalidError } from "./config-invalid-error.js";
import { mergeMaps } from "./deep-merge.js";
import { nodeFileReader } from "./file-reader.js";
import { Problems } from "./problems.js";
import { expandVariables, type IncludeContext, loadConfigFile } from "./resolve-includes.js";
import { resolveReferences } from "./resolve-references.js";
import type { CiConfig, CiJob, CiVariables, FileReader, LoadOptions, LoadResult, Trigger } from "./types.js";
import { fromPlain, type YMap } from "./yaml-tree.js";

/** Parent → child → grandchild, as GitLab allows; deeper nesting is refused. */
export const MAX_CHILD_DEPTH = 2;

/**
 * Loads a pipeline file with everything it includes and every local child pipeline it triggers.
 * Returns the config and its warnings, or throws a ConfigInvalidError listing every problem found.
 */
export async function loadCiConfig(options: LoadOptions): Promise<LoadResult> {
  const projectDir = resolve(options.projectDir);
  const abs = isAbsolute(options.file) ? options.file : join(projectDir, options.file);
  const display = toDisplay(projectDir, abs);
  const problems = new Problems();
  const session: Session = {
    projectDir,
    reader: options.reader ?? nodeFileReader,
    problems,
    variables: options.variables ?? {},
    componentDir: options.componentDir === undefined ? undefined : resolve(projectDir, options.componentDir),
  };
  const ctx = newContext(session);
  const root = await loadConfigFile(ctx, { abs, display }, undefined, undefined, []);
  const config = root === undefined ? undefined : await finish(session, ctx, root, display, 0);
  if (problems.errors.length > 0 || config === undefined)
    throw new ConfigInvalidError(display, problems.errors);
  return { config, warnings: problems.warnings };
}

type Session = Omit<IncludeContext, "files" | "includes" | "listing">;

function newContext(session: Session): IncludeContext {
  return { ...session, files: [], includes: 0, listing: undefined };
}

function toDisplay(projectDir: string, abs: string): string {
  return relative(projectDir, abs).split(sep).join("/");
}

async function finish(
  session: Session,
  ctx: IncludeContext,
  root: YMap,
  file: string,
  depth: number,
): Promise<CiConfig> {
  const resolved = resolveReferences(root, session.problems);
  const config = buildConfig(resolved, file, ctx.files, session.problems);
  const jobs: CiJob[] = [];
  for (const job of config.jobs) {
    const trigger = job.trigger;
    if (trigger?.kind !== "child") {
      jobs.push(job);
      continue;
    }
    const child = await loadChild(session, job, trigger, config.variables, depth + 1);
    jobs.push(child === undefined ? job : { ...job, trigger: { ...trigger, config: child } });
  }
  return { ...config, jobs };
}

/** A child pipeline made only of local files is loaded now; one built from an artifact waits for run time. */
function valuesOf(variables: CiVariables): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.value]));
}

async function loadChild(
  session: Session,
  job: CiJob,
  trigger: Extract<Trigger, { kind: "child" }>,
  parentVariables: CiVariables,
  depth: number,
): Promise<CiConfig | undefined> {
  const locals = trigger.include.flatMap((i) => (i.kind === "local" ? [i] : []));
  if (locals.length !== trigger.include.length) {
    for (const inc of trigger.include) {
      if (
        inc.kind === "remote" ||
        inc.kind === "project" ||
        inc.kind === "template" ||
        inc.kind === "component"
      ) {
        const name =
          inc.kind === "remote"
            ? inc.url
            : inc.kind === "project"
              ? `${inc.project}:${inc.file}`
              : inc.kind === "template"
                ? inc.template
                : inc.component;
        session.problems.error(
          `${job.name}: child pipeline include \`${inc.kind}: ${name}\` cannot be fetched: Runfleet loads configs offline`,
          { pos: job.location, path: `${job.name}.trigger.include` },
          {
            code: "INCLUDE_UNAVAILABLE",
            hint: "copy the file into the repository and include it with `local:`",
          },
        );
      }
    }
    return undefined;
  }
  const at = { pos: job.location, path: `${job.name}.trigger.include` };
  if (depth > MAX_CHILD_DEPTH) {
    session.problems.error(`${job.name}: child pipelines nest more than ${MAX_CHILD_DEPTH} levels deep`, at);
    return undefined;
  }
  const ctx = newContext(session);
  let merged: YMap | undefined;
  // Paths may use the trigger job's variables (and the pipeline's), as in `local: $SERVICE/ci.yml`.
  const variables = { ...session.variables, ...valuesOf(parentVariables), ...valuesOf(job.variables) };
  for (const include of locals) {
    const rel = expandVariables(include.path, variables).replace(/^\/+/, "");
    const inputs = include.inputs === undefined ? undefined : fromPlain(include.inputs, job.location);
    const map = await loadConfigFile(
      ctx,
      { abs: join(session.projectDir, rel), display: rel },
      at,
      inputs?.kind === "map" ? inputs : undefined,
      [],
    );
    if (map !== undefined) merged = merged === undefined ? map : mergeMaps(merged, map);
  }
  if (merged === undefined) return undefined;
  return finish(session, ctx, merged, locals.map((l) => l.path.replace(/^\/+/, "")).join(", "), depth);
}

export type { FileReader };
