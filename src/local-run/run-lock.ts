import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RunfleetError } from "../errors/index.js";

/**
 * One `runfleet run` per project at a time: two would start two coordinators on one SQLite file. The
 * lock file names the pid; a lock left by a process that no longer exists is taken over. It also
 * remembers the pipeline in flight, so a run that was killed has its pipeline canceled by the next.
 */
export class RunLock {
  private constructor(private readonly path: string) {}

  static async acquire(stateDir: string): Promise<RunLock> {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, "run.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, JSON.stringify({ pid: process.pid }), { flag: "wx" });
        return new RunLock(path);
      } catch (err) {
        if (!isExists(err)) throw err;
        const holder = await readLock(path);
        if (holder !== undefined && holder.pid !== process.pid && alive(holder.pid)) {
          throw new RunfleetError(
            "CONFLICT",
            `another runfleet run (pid ${holder.pid}) is running in this project`,
            {
              hint: "wait for it to end, or stop it with Ctrl-C",
            },
          );
        }
        await rm(path, { force: true });
      }
    }
    throw new RunfleetError("CONFLICT", `cannot take the run lock ${path}`);
  }

  /** The pipeline a killed earlier run left behind, if any. */
  static async leftoverPipeline(stateDir: string): Promise<number | undefined> {
    const text = await readFile(join(stateDir, "active-pipeline"), "utf8").catch(() => undefined);
    const id = text === undefined ? Number.NaN : Number(text.trim());
    return Number.isInteger(id) && id > 0 ? id : undefined;
  }

  async rememberPipeline(stateDir: string, id: number | undefined): Promise<void> {
    const file = join(stateDir, "active-pipeline");
    if (id === undefined) await rm(file, { force: true });
    else await writeFile(file, `${id}\n`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

async function readLock(path: string): Promise<{ pid: number } | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    if (typeof parsed === "object" && parsed !== null && "pid" in parsed && typeof parsed.pid === "number") {
      return { pid: parsed.pid };
    }
  } catch {
    // Unreadable: treated as stale.
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EEXIST";
}
