import type { IncomingMessage } from "node:http";
import { RunfleetError } from "../../../../src/errors/index.js";
import { abortableSleep } from "../fargate/abortable-sleep.js";
import { isApiStatus } from "./kube-api-error.js";
import type { KubeClient } from "./kube-client.js";
import { LineSplitter } from "./ndjson-lines.js";
import type { ApiStatus, ObjectList, ObjectMeta } from "./types.js";

export interface InformerHandler<T> {
  upsert(object: T): void;
  remove(object: T): void;
}

type WatchEvent<T> =
  | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly object: T }
  | { readonly type: "BOOKMARK"; readonly object: { readonly metadata: ObjectMeta } }
  | { readonly type: "ERROR"; readonly object: ApiStatus };

/** The watch's resourceVersion is older than etcd's compaction: only a relist can continue. */
class GoneError extends RunfleetError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

/**
 * List-then-watch of one collection with a field selector, the way client-go's reflector does it:
 * resume from the last resourceVersion on a dropped stream, relist on 410 Gone, bookmarks keep
 * the resourceVersion fresh. Objects are keyed by uid so a recreated name is a new object.
 */
export class Informer<T extends { readonly metadata: ObjectMeta }> {
  private readonly known = new Map<string, T>();
  private readonly abort = new AbortController();
  private resourceVersion = "";
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly fieldSelector: string,
    private readonly handler: InformerHandler<T>,
    private readonly log: (message: string) => void,
  ) {}

  /** Resolves after the first successful list has been delivered. */
  async start(): Promise<void> {
    await this.relist();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private key(object: T): string {
    return object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`;
  }

  private async relist(): Promise<void> {
    const list = await this.client.call<ObjectList<T>>("GET", this.path, {
      query: { fieldSelector: this.fieldSelector },
    });
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(this.key(item));
      this.known.set(this.key(item), item);
      this.handler.upsert(item);
    }
    for (const [key, object] of this.known) {
      if (!seen.has(key)) {
        this.known.delete(key);
        this.handler.remove(object);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion ?? "";
  }

  private async run(): Promise<void> {
    let backoff = 500;
    while (!this.abort.signal.aborted) {
      try {
        await this.watchOnce();
        backoff = 500;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof GoneError || isApiStatus(410, err)) {
          this.log(`watch ${this.path}: resourceVersion ${this.resourceVersion} expired, relisting`);
          this.resourceVersion = "";
        } else {
          this.log(`watch ${this.path}: ${err instanceof Error ? err.message : String(err)}; retrying`);
          await abortableSleep(backoff, this.abort.signal);
          backoff = Math.min(backoff * 2, 10_000);
        }
        if (!this.resourceVersion) {
          await this.relist().catch((e: unknown) =>
            this.log(`relist ${this.path}: ${e instanceof Error ? e.message : String(e)}`),
          );
        }
      }
    }
  }

  private async watchOnce(): Promise<void> {
    const res = await this.client.stream(
      this.path,
      {
        watch: 1,
        allowWatchBookmarks: true,
        fieldSelector: this.fieldSelector,
        resourceVersion: this.resourceVersion,
        timeoutSeconds: 240 + Math.floor(Math.random() * 60),
      },
      this.abort.signal,
    );
    await this.consume(res);
  }

  private consume(res: IncomingMessage): Promise<void> {
    const splitter = new LineSplitter();
    return new Promise<void>((done, fail) => {
      res.on("data", (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) {
          if (!line.trim()) continue;
          try {
            this.apply(JSON.parse(line) as WatchEvent<T>);
          } catch (err) {
            res.destroy();
            fail(err);
            return;
          }
        }
      });
      res.on("end", () => done());
      res.on("error", (err) => (this.abort.signal.aborted ? done() : fail(err)));
      res.on("close", () => done());
    });
  }

  private apply(event: WatchEvent<T>): void {
    switch (event.type) {
      case "ADDED":
      case "MODIFIED":
        this.known.set(this.key(event.object), event.object);
        this.handler.upsert(event.object);
        break;
      case "DELETED":
        this.known.delete(this.key(event.object));
        this.handler.remove(event.object);
        break;
      case "BOOKMARK":
        break;
      case "ERROR":
        if (event.object.code === 410) throw new GoneError(event.object.message ?? "gone");
        throw new RunfleetError(
          "UNAVAILABLE",
          `watch error: ${event.object.message ?? JSON.stringify(event.object)}`,
        );
      default: {
        const never: never = event;
        throw new RunfleetError("INTERNAL", `unknown watch event ${JSON.stringify(never)}`);
      }
    }
    const rv = event.object.metadata.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }
}
