// The shell executor: runs each stage as a local bash/sh process in a per-slot build directory, with
// the git work done once per slot and skipped while a stamp of the tree proves it is still the clean
// checkout of the job's commit, and kills the whole process group on cancel and timeout.
export { createShellExecutor, ShellExecutor } from "./shell-executor.js";
