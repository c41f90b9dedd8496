/**
 * A client hanging up on a parked long poll. The dispatcher withdraws the request's waiter so no job
 * is handed to a closed connection. Lighter than an AbortController per poll: one listener, no events.
 */
export class Hangup {
  private listener: (() => void) | undefined;
  private happened = false;

  get hungUp(): boolean {
    return this.happened;
  }

  /** The client went away: runs the listener once. */
  fire(): void {
    if (this.happened) return;
    this.happened = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  /** Runs `listener` when the client hangs up (at once if it already has); one listener at a time. */
  onHangup(listener: () => void): void {
    if (this.happened) listener();
    else this.listener = listener;
  }

  clear(): void {
    this.listener = undefined;
  }
}
