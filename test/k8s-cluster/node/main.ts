// Starts the node agent from its environment; SIGTERM/SIGINT stop its pods and then the process.
import { toRunfleetError } from "../../../src/errors/index.js";
import { readAgentConfig } from "./agent-config.js";
import { startAgent } from "./start-agent.js";

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

async function main(): Promise<void> {
  const config = readAgentConfig(process.env);
  const agent = await startAgent(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping pods`);
    agent.stop().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log(`stop failed: ${toRunfleetError(err).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  const error = toRunfleetError(err);
  log(`node agent failed: ${error.format()}`);
  process.exit(1);
});
