import { describe, expect, it } from "vitest";
import { onAbort } from "./abort-fanout.js";

describe("onAbort", () => {
  it("calls every watcher still watching once, and none that stopped", () => {
    const c = new AbortController();
    const calls: string[] = [];
    onAbort(c.signal, () => calls.push("a"));
    const stopB = onAbort(c.signal, () => calls.push("b"));
    onAbort(c.signal, () => calls.push("c"));
    stopB();
    c.abort();
    c.abort();
    expect(calls).toEqual(["a", "c"]);
  });

  it.each([1, 1000])("with %i watchers adds one listener to the signal", (n) => {
    const c = new AbortController();
    let added = 0;
    const add = c.signal.addEventListener.bind(c.signal);
    c.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof add;
    let fired = 0;
    for (let i = 0; i < n; i++) onAbort(c.signal, () => fired++);
    c.abort();
    expect(added).toBe(1);
    expect(fired).toBe(n);
  });

  it("calls at once for a signal already aborted", () => {
    let fired = 0;
    onAbort(AbortSignal.abort(), () => fired++);
    expect(fired).toBe(1);
  });
});
