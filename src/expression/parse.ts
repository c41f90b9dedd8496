import { RunfleetError } from "../errors/index.js";
import { compileRe2 } from "./re2-to-js.js";
import { type Operator, syntaxError, type Token, tokenize } from "./tokenize.js";

/**
 * GitLab's grammar: comparisons bind tightest, then `&&`, then `||`; parentheses group. A lone operand
 * (`$VAR`, `"text"`) is a presence test.
 */
export type Operand = Extract<Token, { kind: "variable" | "string" | "pattern" | "null" }>;

export type ComparisonOperator = Exclude<Operator, "&&" | "||">;

export type Expression =
  | { readonly kind: "operand"; readonly operand: Operand }
  | {
      readonly kind: "compare";
      readonly op: ComparisonOperator;
      readonly left: Operand;
      readonly right: Operand;
      readonly column: number;
    }
  | { readonly kind: "and" | "or"; readonly left: Expression; readonly right: Expression };

const cache = new Map<string, Expression>();

/** Parses once per distinct source: a 1000-job pipeline repeats the same few rules. */
export function parseExpression(source: string): Expression {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const tokens = tokenize(source);
  const parsed = new Parser(source, tokens).parseAll();
  checkPatterns(source, tokens);
  if (cache.size > 10_000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/** A regex RE2 would reject makes the whole expression invalid, found at parse (lint) time. */
function checkPatterns(source: string, tokens: readonly Token[]): void {
  for (const token of tokens) {
    if (token.kind !== "pattern") continue;
    try {
      compileRe2(token.source, token.flags);
    } catch (err) {
      const why = err instanceof RunfleetError ? err.message : String(err);
      throw syntaxError(source, token.column, why);
    }
  }
}

class Parser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseAll(): Expression {
    if (this.tokens.length === 0) throw syntaxError(this.source, 1, "empty expression");
    const expr = this.parseOr();
    const extra = this.tokens[this.index];
    if (extra !== undefined) throw syntaxError(this.source, extra.column, `unexpected ${describe(extra)}`);
    return expr;
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.peekLogical("||")) {
      this.index++;
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parsePrimary();
    while (this.peekLogical("&&")) {
      this.index++;
      left = { kind: "and", left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): Expression {
    const token = this.next("an operand or `(`");
    if (token.kind === "paren") {
      if (!token.open) throw syntaxError(this.source, token.column, "unexpected `)`");
      const inner = this.parseOr();
      const close = this.next("`)`");
      if (close.kind !== "paren" || close.open) {
        throw syntaxError(this.source, close.column, `expected \`)\` but found ${describe(close)}`);
      }
      return inner;
    }
    if (token.kind === "operator") {
      throw syntaxError(this.source, token.column, `expected an operand before \`${token.op}\``);
    }
    const op = this.tokens[this.index];
    if (op === undefined || op.kind !== "operator" || op.op === "&&" || op.op === "||") {
      return { kind: "operand", operand: token };
    }
    this.index++;
    const right = this.next(`an operand after \`${op.op}\``);
    if (right.kind === "paren" || right.kind === "operator") {
      throw syntaxError(this.source, right.column, `expected an operand after \`${op.op}\``);
    }
    return { kind: "compare", op: op.op, left: token, right, column: op.column };
  }

  private peekLogical(op: "&&" | "||"): boolean {
    const token = this.tokens[this.index];
    return token !== undefined && token.kind === "operator" && token.op === op;
  }

  private next(expected: string): Token {
    const token = this.tokens[this.index];
    if (token === undefined) {
      throw syntaxError(this.source, this.source.length + 1, `expected ${expected} at the end`);
    }
    this.index++;
    return token;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "variable":
      return `variable \`$${token.name}\``;
    case "string":
      return `string "${token.value}"`;
    case "pattern":
      return `pattern \`/${token.source}/${token.flags}\``;
    case "null":
      return "`null`";
    case "operator":
      return `\`${token.op}\``;
    case "paren":
      return token.open ? "`(`" : "`)`";
    default: {
      const unreachable: never = token;
      return String(unreachable);
    }
  }
}
