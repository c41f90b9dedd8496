import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ContainerLog } from "./container-log.js";

export interface PodLogKey {
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
}

export type LogLookup =
  | { readonly kind: "live"; readonly log: ContainerLog }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "missing" };

/**
 * Where container logs live: `<stateDir>/logs/<ns>_<pod>_<uid>/<container>/<attempt>.log`, like the
 * kubelet's /var/log/pods. Live logs are served from memory subscriptions; logs of pods from an
 * earlier agent run are still served from their files.
 */
export class LogStore {
  private readonly live = new Map<string, ContainerLog>();
  private readonly currentUid = new Map<string, string>();

  constructor(private readonly stateDir: string) {}

  private podDir(key: PodLogKey): string {
    return join(this.stateDir, "logs", `${key.namespace}_${key.pod}_${key.uid}`);
  }

  open(key: PodLogKey, container: string, attempt: number): ContainerLog {
    const log = new ContainerLog(join(this.podDir(key), container, `${attempt}.log`));
    this.currentUid.set(`${key.namespace}/${key.pod}`, key.uid);
    const id = `${key.namespace}/${key.pod}/${container}`;
    this.live.get(id)?.close();
    this.live.set(id, log);
    return log;
  }

  /** Forgets live handles of a pod that is gone; its files stay for a later reader. */
  release(key: PodLogKey): void {
    for (const [id, log] of this.live) {
      if (id.startsWith(`${key.namespace}/${key.pod}/`) && log.path.startsWith(this.podDir(key))) {
        log.close();
        this.live.delete(id);
      }
    }
  }

  find(namespace: string, pod: string, container: string, previous: boolean): LogLookup {
    const live = this.live.get(`${namespace}/${pod}/${container}`);
    if (live && !previous) return { kind: "live", log: live };
    const uid = this.currentUid.get(`${namespace}/${pod}`) ?? this.newestUidOnDisk(namespace, pod);
    if (!uid) return { kind: "missing" };
    const dir = join(this.podDir({ namespace, pod, uid }), container);
    const attempts = listAttempts(dir);
    const index = previous ? attempts.length - 2 : attempts.length - 1;
    const attempt = attempts[index];
    return attempt === undefined ? { kind: "missing" } : { kind: "file", path: join(dir, `${attempt}.log`) };
  }

  private newestUidOnDisk(namespace: string, pod: string): string | undefined {
    const prefix = `${namespace}_${pod}_`;
    let best: { uid: string; mtime: number } | undefined;
    for (const name of safeReaddir(join(this.stateDir, "logs"))) {
      if (!name.startsWith(prefix)) continue;
      const mtime = statSync(join(this.stateDir, "logs", name)).mtimeMs;
      if (!best || mtime > best.mtime) best = { uid: name.slice(prefix.length), mtime };
    }
    return best?.uid;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function listAttempts(dir: string): number[] {
  return safeReaddir(dir)
    .map((name) => /^(\d+)\.log$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}
