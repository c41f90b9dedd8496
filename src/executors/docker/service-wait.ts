/**
 * Waits until a service's ports accept TCP connections, as GitLab Runner's wait-for-services does:
 * bounded by `wait_for_services_timeout`; a service whose container exits, or that never answers, gives
 * a warning with its last output and the job goes on (its script decides whether it needed the service).
 */
import { connect } from "node:net";

export type ServiceWaitResult =
  | { readonly kind: "ready" }
  | { readonly kind: "exited"; readonly exitCode: number }
  | { readonly kind: "timed_out"; readonly port: number };

export interface ServiceProbe {
  readonly address: string;
  readonly ports: readonly number[];
  readonly timeoutMs: number;
  /** Whether the service's container still runs, and its exit code when it does not. */
  readonly state: () => Promise<{ running: boolean; exitCode: number }>;
}

export function portAnswers(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function waitForService(probe: ServiceProbe): Promise<ServiceWaitResult> {
  const until = Date.now() + probe.timeoutMs;
  const pending = new Set(probe.ports);
  for (;;) {
    for (const port of [...pending]) if (await portAnswers(probe.address, port)) pending.delete(port);
    if (pending.size === 0) return { kind: "ready" };
    const state = await probe.state();
    if (!state.running) return { kind: "exited", exitCode: state.exitCode };
    const first = [...pending][0] ?? 0;
    if (Date.now() >= until) return { kind: "timed_out", port: first };
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, until - Date.now()))));
  }
}
