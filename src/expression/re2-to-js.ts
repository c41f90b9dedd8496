import { RunfleetError } from "../errors/index.js";

/**
 * GitLab evaluates `/re/flags` with RE2. JavaScript's RegExp agrees on most syntax; this translates
 * the RE2-only forms (`(?i)` prefixes, `(?P<name>`, `\A`, `\z`, `\Q…\E`, `[[:alpha:]]`) and rejects
 * what RE2 would reject (look-arounds, back-references) so a rule never matches here and fails there.
 */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const SUPPORTED_FLAGS = new Set(["i", "m", "s"]);
const cache = new Map<string, RegExp>();

export function compileRe2(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const compiled = translate(source, flags);
  if (cache.size > 10_000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function invalid(source: string, why: string, cause?: unknown): RunfleetError {
  return new RunfleetError("CONFIG_INVALID", `invalid regular expression /${source}/: ${why}`, {
    hint: "GitLab evaluates rules regexes with RE2 syntax",
    cause,
  });
}

function translate(source: string, flags: string): RegExp {
  const flagSet = new Set<string>();
  for (const flag of flags) {
    if (!SUPPORTED_FLAGS.has(flag)) throw invalid(source, `unsupported flag \`${flag}\` (use i, m or s)`);
    flagSet.add(flag);
  }
  let body = source;
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading?.[1] !== undefined) {
    for (const flag of leading[1]) {
      if (flag === "U") throw invalid(source, "ungreedy mode (?U) has no JavaScript equivalent");
      flagSet.add(flag);
    }
    body = body.slice(leading[0].length);
  }
  const translated = translateBody(source, body);
  // Unicode classes (`\pL`, `\p{Greek}`) need JavaScript's unicode mode; RE2 always has them.
  if (/\\[pP]/.test(translated)) flagSet.add("u");
  try {
    return new RegExp(unicodeClasses(translated), [...flagSet].sort().join(""));
  } catch (err) {
    throw invalid(source, err instanceof Error ? err.message : String(err), err);
  }
}

/** RE2's `\pL` and `\p{Greek}` (a script) are JavaScript's `\p{L}` and `\p{Script=Greek}`. */
function unicodeClasses(body: string): string {
  return body
    .replace(/\\([pP])([A-Za-z])(?![A-Za-z{])/g, "\\$1{$2}")
    .replace(/\\([pP])\{([A-Za-z_]{3,})\}/g, "\\$1{Script=$2}");
}

function translateBody(original: string, body: string): string {
  let out = "";
  let inClass = false;
  let i = 0;
  while (i < body.length) {
    const ch = body.charAt(i);
    if (ch === "\\") {
      const next = body.charAt(i + 1);
      if (next === "Q") {
        const end = body.indexOf("\\E", i + 2);
        const literal = body.slice(i + 2, end < 0 ? body.length : end);
        out += literal.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
        i = end < 0 ? body.length : end + 2;
        continue;
      }
      if (!inClass && next === "A") out += "(?<![\\s\\S])";
      else if (!inClass && next === "z") out += "(?![\\s\\S])";
      else if (/[1-9]/.test(next)) throw invalid(original, "back-references are not supported by RE2");
      else out += `\\${next}`;
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(body.slice(i));
      if (posix?.[2] !== undefined) {
        const range = POSIX_CLASSES[posix[2]];
        if (range === undefined) throw invalid(original, `unknown character class [:${posix[2]}:]`);
        if (posix[1] === "^") throw invalid(original, "negated POSIX classes inside [...] are not supported");
        out += range;
        i += posix[0].length;
        continue;
      }
      if (ch === "]") inClass = false;
      out += ch;
      i++;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      i++;
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (body.charAt(i) === "^") {
        out += "^";
        i++;
      }
      if (body.charAt(i) === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (ch === "(" && body.charAt(i + 1) === "?") {
      const rest = body.slice(i + 2);
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 4;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest))
        throw invalid(original, "look-around assertions are not supported by RE2");
      if (/^[imsU-]+[:)]/.test(rest)) throw invalid(original, "inline flags are only supported at the start");
    }
    out += ch;
    i++;
  }
  return out;
}
