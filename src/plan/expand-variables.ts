/**
 * Variable expansion at pipeline-creation time (rules, `changes`/`exists` paths, `workflow:name`,
 * environment names): `$X`, `${X}`, `$$` → `$`. Unknown names become empty, as GitLab does.
 */
export type Lookup = Readonly<Record<string, string>>;

const VARIABLE = /\$\$|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g;

export function expandString(input: string, variables: Lookup): string {
  if (!input.includes("$")) return input;
  return input.replace(VARIABLE, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === "$$") return "$";
    const name = braced ?? bare ?? "";
    return Object.hasOwn(variables, name) ? (variables[name] ?? "") : "";
  });
}

/**
 * Expands every value against the whole map (so `A: $B` sees B's final value), leaving `raw` names
 * untouched. Depth-limited: a self-reference stops expanding instead of looping.
 */
export function expandAll(variables: Lookup, raw: ReadonlySet<string> = new Set()): Record<string, string> {
  let current: Record<string, string> = { ...variables };
  // Most maps reference nothing: skip the passes (and their copies) entirely.
  if (!Object.entries(current).some(([name, value]) => !raw.has(name) && value.includes("$"))) return current;
  for (let depth = 0; depth < 10; depth++) {
    let changed = false;
    const next: Record<string, string> = {};
    for (const [name, value] of Object.entries(current)) {
      const expanded = raw.has(name) || !value.includes("$") ? value : expandNoEscape(value, current);
      if (expanded !== value) changed = true;
      next[name] = expanded;
    }
    current = next;
    if (!changed) break;
  }
  return current;
}

/** Like `expandString` but keeps `$$` and unknown names, so a later pass can still resolve them. */
function expandNoEscape(input: string, variables: Lookup): string {
  return input.replace(VARIABLE, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === "$$") return whole;
    const name = braced ?? bare ?? "";
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    return value === undefined || value.includes(whole) ? whole : value;
  });
}

/**
 * What GitLab does to a job's variables before it sends them to a runner: every value is expanded
 * against the others, recursively, so `${URL_${ENV}}` becomes `${URL_DEV}` and then its value. Names
 * it does not know (the runner's own `CI_PROJECT_DIR`…), `$$`, and references to `opaque` variables
 * (raw ones, file ones) stay as written for the runner's single expansion pass.
 */
export function expandForRunner(values: Lookup, opaque: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = { ...values };
  // Resolved on demand and memoised: a job's few references cost a few lookups, not passes over all
  // of its variables. A name met again while it is being resolved (a cycle) stays as written.
  const done = new Set<string>();
  const visiting = new Set<string>();
  const resolve = (name: string): string | undefined => {
    const value = out[name];
    if (value === undefined || opaque.has(name) || done.has(name)) return value;
    if (visiting.has(name)) return undefined;
    visiting.add(name);
    let current = value;
    // A substitution can complete a name around it (`${URL_${ENV}}` → `${URL_DEV}`): scan again.
    for (let round = 0; round < 10 && current.includes("$"); round++) {
      const next = current.replace(
        VARIABLE,
        (whole, braced: string | undefined, bare: string | undefined) => {
          const ref = braced ?? bare ?? "";
          if (whole === "$$" || opaque.has(ref)) return whole;
          const found = resolve(ref);
          return found === undefined || found.includes(whole) ? whole : found;
        },
      );
      if (next === current) break;
      current = next;
    }
    visiting.delete(name);
    done.add(name);
    out[name] = current;
    return current;
  };
  for (const name of Object.keys(values)) if (values[name]?.includes("$")) resolve(name);
  return out;
}
