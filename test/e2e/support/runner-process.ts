/**
 * A runner manager in its own process (shell executor), for the reliability suite to kill mid-job.
 * Usage: tsx runner-process.ts '{"url","token","buildsDir","concurrent"?}'
 */
import { RunnerManager } from "../../../src/runner/index.js";

interface Args {
  readonly url: string;
  readonly token: string;
  readonly buildsDir: string;
  readonly concurrent?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const concurrent = args.concurrent ?? 4;
const manager = new RunnerManager({
  traceIntervalMs: 200,
  config: {
    concurrent,
    checkInterval: 1,
    logLevel: "warn",
    runners: [
      {
        name: "reliability",
        url: args.url,
        token: args.token,
        executor: "shell",
        limit: concurrent,
        requestConcurrency: 2,
        buildsDir: args.buildsDir,
        cacheDir: `${args.buildsDir}/../cache`,
        environment: [],
        outputLimitKb: 4096,
        customBuildDirEnabled: false,
        cache: {},
        executorSection: {},
      },
    ],
  },
});
manager.start();
process.stdout.write("runner started\n");
process.on("SIGTERM", () => {
  void manager.stop().then(() => process.exit(0));
});
