/** A raw HTTP/1.1 connection for tests of the coordinator's HTTP face: bytes out as given, replies in. */
import { connect, type Socket } from "node:net";

export interface RawReply {
  readonly status: number;
  /** The head as sent, the Date value blanked. */
  readonly head: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** A raw HTTP/1.1 connection: writes bytes as given, reads replies one after another. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on("error", () => undefined);
  }

  static open(url: string): Promise<RawConnection> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(u.port), u.hostname, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  send(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  private async until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.ended)
        throw new Error(`connection closed; unread: ${JSON.stringify(this.buf.toString("latin1"))}`);
      if (Date.now() > deadline)
        throw new Error(`no reply; have ${JSON.stringify(this.buf.toString("latin1"))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** The next reply (skipping interim 1xx answers unless asked for). */
  async reply(opts: { interim?: boolean; headOnly?: boolean } = {}): Promise<RawReply> {
    for (;;) {
      await this.until(() => this.buf.includes("\r\n\r\n"));
      const end = this.buf.indexOf("\r\n\r\n");
      const head = this.buf.toString("latin1", 0, end);
      this.buf = this.buf.subarray(end + 4);
      const status = Number(head.slice(9, 12));
      const headers = new Map<string, string>();
      for (const line of head.split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const blanked = head.replace(/\r\nDate: [^\r]*/, "\r\nDate: -");
      if (status < 200 && !opts.interim) continue;
      if (status < 200 || opts.headOnly) return { status, head: blanked, headers, body: Buffer.alloc(0) };
      if (headers.get("transfer-encoding") === "chunked") {
        const chunks: Buffer[] = [];
        for (;;) {
          await this.until(() => this.buf.includes("\r\n"));
          const eol = this.buf.indexOf("\r\n");
          const size = Number.parseInt(this.buf.toString("latin1", 0, eol), 16);
          await this.until(() => this.buf.length >= eol + 2 + size + 2);
          chunks.push(this.buf.subarray(eol + 2, eol + 2 + size));
          this.buf = this.buf.subarray(eol + 2 + size + 2);
          if (size === 0) return { status, head: blanked, headers, body: Buffer.concat(chunks) };
        }
      }
      const length = Number(headers.get("content-length") ?? "0");
      await this.until(() => this.buf.length >= length);
      const body = this.buf.subarray(0, length);
      this.buf = this.buf.subarray(length);
      return { status, head: blanked, headers, body };
    }
  }

  async closed(timeoutMs = 5_000): Promise<boolean> {
    await this.until(() => this.ended, timeoutMs).catch(() => undefined);
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function call(method: string, path: string, body = "", headers: Record<string, string> = {}): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: coordinator\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function text(r: RawReply): string {
  return `${r.head}\r\n\r\n${r.body.toString("utf8")}`;
}
