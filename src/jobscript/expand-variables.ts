/**
 * `$X`, `${X}` and `$$` expansion as GitLab Runner does it (Go's os.Expand with `$$` → `$`):
 * one level only, unknown names expand to the empty string, a `$` not followed by a name stays.
 */
export type VariableLookup = (name: string) => string | undefined;

const NAME_CHAR = /[A-Za-z0-9_]/;

export function expandVariables(input: string, lookup: VariableLookup): string {
  if (!input.includes("$")) return input;
  let out = "";
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = input.indexOf("}", i + 2);
      if (close === -1) {
        // Unterminated `${`: Go eats the bad syntax; keeping it is kinder and what a shell would show.
        out += input.slice(i);
        break;
      }
      out += lookup(input.slice(i + 2, close)) ?? "";
      i = close + 1;
      continue;
    }
    let end = i + 1;
    while (end < input.length && NAME_CHAR.test(input[end] ?? "")) end++;
    if (end === i + 1) {
      out += "$";
      i++;
      continue;
    }
    out += lookup(input.slice(i + 1, end)) ?? "";
    i = end;
  }
  return out;
}
