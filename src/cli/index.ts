// Command-line front end: thin wrappers that parse flags and call config, plan, coordinator and runner.
export { type Command, commands, usage } from "./commands.js";
