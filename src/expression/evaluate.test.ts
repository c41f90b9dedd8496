import { describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { evaluateExpression, parseExpression } from "./index.js";

const vars = {
  CI_COMMIT_BRANCH: "main",
  CI_COMMIT_REF_NAME: "main",
  CI_PIPELINE_SOURCE: "push",
  CI_DEFAULT_BRANCH: "main",
  EMPTY: "",
  RELEASE: "v1.2.3",
  OTHER_BRANCH: "main",
  FEATURE: "feature/login",
  RE_VAR: "/^feature\\//",
  RE_VAR_I: "/^FEATURE/i",
  PLAIN: "login",
  MULTI: "line one\nline two",
  UNICODE: "αβγ",
};

describe("evaluateExpression", () => {
  it.each([
    // presence
    ["$CI_COMMIT_BRANCH", true],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitLab's own ${VAR} syntax, not a template
    ["${CI_COMMIT_BRANCH}", true],
    ["$UNDEFINED", false],
    ["$EMPTY", false],
    ['"text"', true],
    ['""', false],
    ["null", false],
    // equality with both quotes
    ['$CI_COMMIT_BRANCH == "main"', true],
    ["$CI_COMMIT_BRANCH == 'main'", true],
    ['$CI_COMMIT_BRANCH == "develop"', false],
    ['$CI_COMMIT_BRANCH != "develop"', true],
    ['"main" == $CI_COMMIT_BRANCH', true],
    // null and empty are different values
    ["$UNDEFINED == null", true],
    ["$EMPTY == null", false],
    ['$EMPTY == ""', true],
    ['$UNDEFINED == ""', false],
    ["$CI_COMMIT_BRANCH != null", true],
    ["null == null", true],
    // variable to variable
    ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", true],
    ["$CI_COMMIT_BRANCH == $OTHER_BRANCH", true],
    ["$CI_COMMIT_BRANCH == $RELEASE", false],
    ["$UNDEFINED == $ALSO_UNDEFINED", true],
    // regex
    ["$RELEASE =~ /^v\\d+\\.\\d+\\.\\d+$/", true],
    ["$RELEASE =~ /^V/", false],
    ["$RELEASE =~ /^V/i", true],
    ["$RELEASE !~ /^V/", true],
    ["$FEATURE =~ /^feature\\/.*/", true],
    ["$UNDEFINED =~ /.+/", false],
    ["$UNDEFINED !~ /.+/", true],
    ["$MULTI =~ /^line two$/", false],
    ["$MULTI =~ /^line two$/m", true],
    ["$MULTI =~ /one.line/", false],
    ["$MULTI =~ /one.line/s", true],
    // regex held in a variable
    ["$FEATURE =~ $RE_VAR", true],
    ["$RELEASE =~ $RE_VAR", false],
    ["$FEATURE =~ $RE_VAR_I", true],
    ["$FEATURE !~ $RE_VAR", false],
    ["$FEATURE =~ $PLAIN", true],
    ["$FEATURE =~ $UNDEFINED", false],
    // RE2-only syntax
    ["$RELEASE =~ /(?i)^V1/", true],
    ["$RELEASE =~ /\\Av1/", true],
    ["$RELEASE =~ /3\\z/", true],
    ["$RELEASE =~ /^v[[:digit:]]/", true],
    ["$RELEASE =~ /^(?P<major>v\\d)/", true],
    ["$RELEASE =~ /\\Qv1.2\\E/", true],
    ["$RELEASE =~ /\\Qv1x2\\E/", false],
    ["$UNICODE =~ /^\\p{Greek}+$/", true],
    ["$UNICODE =~ /^\\pL+$/", true],
    ["$RELEASE =~ /^\\p{Greek}/", false],
    // && binds tighter than ||
    ['$CI_COMMIT_BRANCH == "x" && $RELEASE || $FEATURE', true],
    ['$FEATURE || $CI_COMMIT_BRANCH == "x" && $RELEASE', true],
    ['$UNDEFINED || $CI_COMMIT_BRANCH == "x" && $RELEASE', false],
    ['($UNDEFINED || $CI_COMMIT_BRANCH == "main") && $RELEASE', true],
    ['$UNDEFINED || ($CI_COMMIT_BRANCH == "main" && $EMPTY)', false],
    ['$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', true],
    ['$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"', false],
    ["(($RELEASE))", true],
    ["$A&&$B", false],
    ['$CI_COMMIT_BRANCH=="main"', true],
  ])("%s → %s", (source, expected) => {
    expect(evaluateExpression(source, vars)).toBe(expected);
  });

  it.each([
    ["", 1, "empty expression"],
    ["$", 1, "variable name"],
    ["${FOO", 6, "missing `}`"],
    ['$A == "open', 7, "unterminated string"],
    ["$A == /open", 7, "unterminated regular expression"],
    ["$A ==", 6, "expected an operand after `==`"],
    ["$A && || $B", 7, "expected an operand before `||`"],
    ["($A", 4, "expected `)`"],
    ["$A)", 3, "unexpected `)`"],
    ["$A $B", 4, "unexpected variable `$B`"],
    ["$A = 'x'", 4, "unexpected `=`"],
    ["$A == true", 7, "unexpected `t`"],
  ])("rejects %j at column %d", (source, column, what) => {
    let thrown: unknown;
    try {
      evaluateExpression(source, vars);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RunfleetError);
    const error = thrown as RunfleetError;
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain(`at column ${column}`);
    expect(error.message).toContain(what);
  });

  it.each([
    ["$A =~ /(?=x)/", "look-around"],
    ["$A =~ /(a)\\1/", "back-references"],
    ["$A =~ /a/x", "unsupported flag"],
    ["$A =~ /a(/", "invalid regular expression"],
  ])("rejects RE2-invalid %s", (source, what) => {
    expect(() => evaluateExpression(source, { A: "a" })).toThrow(what);
    expect(() => parseExpression(source)).toThrow("at column 7");
  });
});
