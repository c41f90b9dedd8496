// GitLab's CI/CD expression language (`rules:if`, `only:variables`, `include:rules`): parse once,
// evaluate against a variable map. Pure — no I/O, no environment lookups.
export { evaluateExpression, type Variables } from "./evaluate.js";
export { type Expression, parseExpression } from "./parse.js";
export { compileRe2 } from "./re2-to-js.js";
