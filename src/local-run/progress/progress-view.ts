import { applyEvent, initialState, type ProgressState } from "./progress-state.js";
import { type FrameSize, renderFrame } from "./render-frame.js";
import { renderEventLines } from "./render-lines.js";
import type { PlannedJobView, RunEvent } from "./run-event.js";

/** Where a view writes: a stream, or a test's buffer. */
export interface TextOut {
  write(text: string): unknown;
}

/** Receives the run's events as they happen and owns the terminal while the run lasts. */
export interface ProgressView {
  readonly state: ProgressState;
  event(event: RunEvent): void;
  /** Stops live drawing (the last frame stays) so closing lines can follow. */
  close(): void;
}

/** Logs and pipes: one line per event, job output prefixed (unless quiet). */
export class LineView implements ProgressView {
  state: ProgressState;

  constructor(
    planned: readonly PlannedJobView[],
    private readonly out: TextOut,
    private readonly quiet: boolean,
  ) {
    this.state = initialState(planned);
  }

  event(event: RunEvent): void {
    this.state = applyEvent(this.state, event);
    const lines = renderEventLines(event, { quiet: this.quiet });
    if (lines.length > 0) this.out.write(`${lines.join("\n")}\n`);
  }

  close(): void {}
}

/** At most ten redraws a second: fast enough to feel live, cheap at thousands of events. */
const REDRAW_MS = 100;

/**
 * The terminal view: the frame is redrawn in place (cursor moved up over the previous frame), on a
 * timer, only when something changed or a running job's clock moved. Notices scroll above the frame.
 */
export class LiveView implements ProgressView {
  state: ProgressState;
  private drawnLines = 0;
  private dirty = true;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    planned: readonly PlannedJobView[],
    private readonly out: TextOut,
    private readonly size: () => FrameSize,
    private readonly now: () => number = Date.now,
  ) {
    this.state = initialState(planned);
    this.out.write("\x1b[?25l");
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  event(event: RunEvent): void {
    this.state = applyEvent(this.state, event);
    if (event.kind === "notice") {
      this.erase();
      this.out.write(`${event.message}\n`);
    }
    this.dirty = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.dirty = true;
    this.draw();
    this.out.write("\x1b[?25h");
  }

  private draw(): void {
    const anyRunning = [...this.state.jobs.values()].some((j) => j.status === "running");
    if (!this.dirty && !anyRunning) return;
    this.dirty = false;
    const frame = renderFrame(this.state, this.now(), this.size());
    this.erase();
    this.out.write(`${frame.map((l) => `${l}\x1b[K`).join("\n")}\n`);
    this.drawnLines = frame.length;
  }

  private erase(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }
}
