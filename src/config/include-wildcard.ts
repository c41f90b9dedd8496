/**
 * GitLab's matcher for `include: local:` wildcards. GitLab turns the path into a regular expression
 * in which `**` matches anything (slashes included) and `*` anything but a slash; every other
 * character is literal (no `?`, `[...]` or `{a,b}`). Hence `configs/**.yml` reaches every subfolder
 * while `configs/` + `**` + `/*.yml` needs at least one folder below `configs/` (GitLab's documented
 * examples).
 */
export function includeWildcardMatcher(pattern: string): (path: string) => boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch !== "*") {
      source += ch.replace(/[\\^$.|?+()[\]{}]/g, "\\$&");
    } else if (pattern.charAt(i + 1) === "*") {
      source += ".*";
      i++;
    } else {
      source += "[^/]*";
    }
  }
  const re = new RegExp(`^${source}$`, "s");
  return (path) => re.test(path);
}
