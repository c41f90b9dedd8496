import picomatch from "picomatch";

/**
 * `rules:changes` / `rules:exists` globs. GitLab matches with fnmatch and PATHNAME | DOTMATCH | EXTGLOB:
 * `*` stays within a directory, `**` crosses them, dot files match, `{a,b}` alternates.
 */
const cache = new Map<string, (path: string) => boolean>();

function matcherFor(pattern: string): (path: string) => boolean {
  let matcher = cache.get(pattern);
  if (matcher === undefined) {
    const normalized = pattern.replace(/^\.\//, "").replace(/^\//, "");
    matcher = picomatch(normalized, { dot: true });
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, matcher);
  }
  return matcher;
}

export function anyPathMatches(patterns: readonly string[], files: readonly string[]): boolean {
  for (const pattern of patterns) {
    // A path that expanded to nothing (an unset variable) names no file.
    if (pattern.trim() === "") continue;
    const matches = matcherFor(pattern);
    for (const file of files) {
      if (matches(file)) return true;
    }
  }
  return false;
}
