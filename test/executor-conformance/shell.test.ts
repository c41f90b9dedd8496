// The executor conformance suite against the shell executor.

import { findOnPath } from "../../src/executors/shell/detect-shell.js";
import { createShellExecutor } from "../../src/executors/shell/index.js";
import { requireSuite } from "../support/require-suite.js";
import { executorConformanceSuite } from "./suite.js";

executorConformanceSuite({
  name: "shell",
  available: () =>
    requireSuite({
      suite: "executor conformance (shell)",
      available:
        findOnPath("git", process.env.PATH) !== undefined && findOnPath("sh", process.env.PATH) !== undefined,
      howToEnable: "install git and a POSIX shell",
    }),
  create: createShellExecutor,
});
