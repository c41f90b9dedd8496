// Turns a job payload into the shell scripts an executor runs, the way GitLab Runner's bash shell does:
// variables resolved and exported, each command echoed before it runs, after_script in its own shell,
// trace section markers. Pure functions only: no processes, no files, no network.
export { expandVariables, type VariableLookup } from "./expand-variables.js";
export { type GitStrategy, type SourcesInput, type SourcesSpec, sourcesSpec } from "./git-sources.js";
export {
  type JobVariablesInput,
  type ResolvedVariable,
  resolveJobVariables,
  variableLookup,
} from "./job-variables.js";
export { type RenderStageInput, renderStageScript, type ShellKind } from "./render-stage-script.js";
export { shellQuote } from "./shell-quote.js";
export { STAGE_NAMES, type StageName, sectionEnd, sectionStart } from "./trace-section.js";
