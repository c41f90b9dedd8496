import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import { Informer } from "./informer.js";
import type { KubeClient, Query, RequestOptions } from "./kube-client.js";
import type { ObjectList, ObjectMeta } from "./types.js";

interface Obj {
  readonly metadata: ObjectMeta;
}
const obj = (uid: string, rv: string): Obj => ({ metadata: { name: uid, uid, resourceVersion: rv } });

/** Serves scripted lists and watch streams; records the queries. A port fake for the informer. */
class ScriptedApi implements KubeClient {
  readonly server = new URL("https://127.0.0.1:6443");
  readonly watches: Query[] = [];
  lists: ObjectList<Obj>[] = [];
  streams: PassThrough[] = [];

  async call<T>(_method: string, _path: string, _options?: RequestOptions): Promise<T> {
    const next = this.lists.shift();
    if (!next) throw new RunfleetError("INTERNAL", "no list scripted");
    return next as T;
  }

  async stream(_path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    this.watches.push(query);
    const stream = this.streams.shift() ?? new PassThrough();
    signal.addEventListener("abort", () => stream.destroy());
    return stream as unknown as IncomingMessage;
  }
}

const line = (event: unknown) => `${JSON.stringify(event)}\n`;
const tick = () => new Promise((r) => setTimeout(r, 20));

describe("Informer", () => {
  it("lists, watches from the list's resourceVersion, follows bookmarks, relists on 410 and drops what vanished", async () => {
    const api = new ScriptedApi();
    const first = new PassThrough();
    const second = new PassThrough();
    api.lists = [
      { metadata: { resourceVersion: "10" }, items: [obj("a", "9")] },
      { metadata: { resourceVersion: "30" }, items: [obj("b", "12")] },
    ];
    api.streams = [first, second];
    const seen: string[] = [];
    const informer = new Informer<Obj>(
      api,
      "/api/v1/pods",
      "spec.nodeName=n",
      {
        upsert: (o) => seen.push(`upsert ${o.metadata.uid}`),
        remove: (o) => seen.push(`remove ${o.metadata.uid}`),
      },
      () => {},
    );
    await informer.start();
    await tick();
    expect(api.watches[0]).toMatchObject({
      watch: 1,
      resourceVersion: "10",
      fieldSelector: "spec.nodeName=n",
    });
    // One event cut across two chunks, then a bookmark.
    const added = line({ type: "ADDED", object: obj("b", "12") });
    first.write(added.slice(0, 10));
    first.write(added.slice(10));
    first.write(line({ type: "BOOKMARK", object: { metadata: { resourceVersion: "20" } } }));
    first.write(line({ type: "ERROR", object: { kind: "Status", code: 410, message: "too old" } }));
    await tick();
    await tick();
    expect(api.watches[1]).toMatchObject({ resourceVersion: "30" });
    second.write(line({ type: "DELETED", object: obj("b", "31") }));
    await tick();
    await informer.stop();
    expect(seen).toEqual(["upsert a", "upsert b", "upsert b", "remove a", "remove b"]);
  });

  it("resumes from the last resourceVersion when a stream ends", async () => {
    const api = new ScriptedApi();
    const first = new PassThrough();
    api.lists = [{ metadata: { resourceVersion: "5" }, items: [] }];
    api.streams = [first, new PassThrough()];
    const informer = new Informer<Obj>(api, "/p", "f", { upsert: () => {}, remove: () => {} }, () => {});
    await informer.start();
    first.write(line({ type: "MODIFIED", object: obj("x", "7") }));
    first.end();
    await tick();
    await tick();
    await informer.stop();
    expect(api.watches.map((q) => q.resourceVersion)).toEqual(["5", "7"]);
  });
});
