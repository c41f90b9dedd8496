import { RunfleetError } from "../errors/index.js";

/**
 * The tokens of GitLab's CI/CD expression language (`rules:if`, `only:variables`). Columns are 1-based
 * offsets into the expression so errors can point at the offending character.
 */
export type Token =
  | { readonly kind: "variable"; readonly name: string; readonly column: number }
  | { readonly kind: "string"; readonly value: string; readonly column: number }
  | { readonly kind: "pattern"; readonly source: string; readonly flags: string; readonly column: number }
  | { readonly kind: "null"; readonly column: number }
  | { readonly kind: "operator"; readonly op: Operator; readonly column: number }
  | { readonly kind: "paren"; readonly open: boolean; readonly column: number };

export type Operator = "==" | "!=" | "=~" | "!~" | "&&" | "||";

const OPERATORS: readonly Operator[] = ["==", "!=", "=~", "!~", "&&", "||"];
const NAME = /[A-Za-z0-9_]/;

export function syntaxError(source: string, column: number, what: string): RunfleetError {
  return new RunfleetError(
    "CONFIG_INVALID",
    `invalid expression \`${source}\`: ${what} at column ${column}`,
    {
      hint: "expressions compare $VARIABLES, 'strings', /regexes/ and null with ==, !=, =~, !~, joined by && and ||",
    },
  );
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    const column = i + 1;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "$") {
      const [name, next] = readVariable(source, i);
      tokens.push({ kind: "variable", name, column });
      i = next;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) throw syntaxError(source, column, "unterminated string");
      tokens.push({ kind: "string", value: source.slice(i + 1, end), column });
      i = end + 1;
      continue;
    }
    if (ch === "/") {
      const [source_, flags, next] = readPattern(source, i);
      tokens.push({ kind: "pattern", source: source_, flags, column });
      i = next;
      continue;
    }
    if (ch === "(" || ch === ")") {
      tokens.push({ kind: "paren", open: ch === "(", column });
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    const op = OPERATORS.find((o) => o === two);
    if (op !== undefined) {
      tokens.push({ kind: "operator", op, column });
      i += 2;
      continue;
    }
    if (source.startsWith("null", i) && !NAME.test(source.charAt(i + 4))) {
      tokens.push({ kind: "null", column });
      i += 4;
      continue;
    }
    throw syntaxError(source, column, `unexpected \`${ch}\``);
  }
  return tokens;
}

function readVariable(source: string, start: number): [string, number] {
  let i = start + 1;
  const braced = source.charAt(i) === "{";
  if (braced) i++;
  const nameStart = i;
  while (i < source.length && NAME.test(source.charAt(i))) i++;
  const name = source.slice(nameStart, i);
  if (name === "") throw syntaxError(source, start + 1, "`$` must be followed by a variable name");
  if (braced) {
    if (source.charAt(i) !== "}") throw syntaxError(source, i + 1, "missing `}` after variable name");
    i++;
  }
  return [name, i];
}

/** `/re/flags`: a backslash escapes the next character (so `\/` does not end the pattern). */
function readPattern(source: string, start: number): [string, string, number] {
  let i = start + 1;
  while (i < source.length && source.charAt(i) !== "/") {
    i += source.charAt(i) === "\\" ? 2 : 1;
  }
  if (i >= source.length) throw syntaxError(source, start + 1, "unterminated regular expression");
  const body = source.slice(start + 1, i);
  if (body === "") throw syntaxError(source, start + 1, "empty regular expression");
  i++;
  const flagStart = i;
  while (i < source.length && /[A-Za-z]/.test(source.charAt(i))) i++;
  return [body, source.slice(flagStart, i), i];
}
