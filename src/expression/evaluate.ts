import { type Expression, type Operand, parseExpression } from "./parse.js";
import { compileRe2 } from "./re2-to-js.js";

/**
 * Evaluation follows GitLab's lexemes: an undefined variable is `null`, a defined one its string (empty
 * included), so `$EMPTY == null` is false but `$EMPTY` alone is false too (presence means non-empty).
 * `&&`/`||` return operand values like Ruby does; the final value's presence is the answer.
 */
export type Variables = Readonly<Record<string, string>>;

type Value = string | null | boolean | RegExp;

export function evaluateExpression(source: string, variables: Variables): boolean {
  return isPresent(evaluateNode(parseExpression(source), variables));
}

function evaluateNode(node: Expression, variables: Variables): Value {
  switch (node.kind) {
    case "operand":
      return operandValue(node.operand, variables);
    case "and": {
      const left = evaluateNode(node.left, variables);
      return isPresent(left) ? evaluateNode(node.right, variables) : left;
    }
    case "or": {
      const left = evaluateNode(node.left, variables);
      return isPresent(left) ? left : evaluateNode(node.right, variables);
    }
    case "compare": {
      switch (node.op) {
        case "==":
          return equals(operandValue(node.left, variables), operandValue(node.right, variables));
        case "!=":
          return !equals(operandValue(node.left, variables), operandValue(node.right, variables));
        case "=~":
          return matches(node.left, node.right, variables);
        case "!~":
          return !matches(node.left, node.right, variables);
        default: {
          const unreachable: never = node.op;
          return unreachable;
        }
      }
    }
    default: {
      const unreachable: never = node;
      return unreachable;
    }
  }
}

function operandValue(operand: Operand, variables: Variables): Value {
  switch (operand.kind) {
    case "variable":
      return Object.hasOwn(variables, operand.name) ? (variables[operand.name] ?? null) : null;
    case "string":
      return operand.value;
    case "null":
      return null;
    case "pattern":
      return compileRe2(operand.source, operand.flags);
    default: {
      const unreachable: never = operand;
      return unreachable;
    }
  }
}

function equals(left: Value, right: Value): boolean {
  if (left instanceof RegExp || right instanceof RegExp) {
    return left instanceof RegExp && right instanceof RegExp && left.source === right.source;
  }
  return left === right;
}

/**
 * The right side is a pattern, or a variable whose value is written as `/re/flags` (GitLab turns it into
 * a pattern). A variable holding plain text is compared as a literal substring, never as a regex.
 */
function matches(leftOperand: Operand, rightOperand: Operand, variables: Variables): boolean {
  const left = operandValue(leftOperand, variables);
  const text = typeof left === "string" ? left : "";
  const right = operandValue(rightOperand, variables);
  if (right instanceof RegExp) return right.test(text);
  if (typeof right !== "string") return false;
  const pattern = /^\/(.+)\/([A-Za-z]*)$/s.exec(right);
  if (pattern?.[1] !== undefined) return compileRe2(pattern[1], pattern[2] ?? "").test(text);
  return text.includes(right);
}

function isPresent(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "boolean") return value;
  return true;
}
