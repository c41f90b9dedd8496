/**
 * Streaming secret masking for job traces. Masked variable values become `[MASKED]`; a token that
 * starts with one of the known prefixes (`glrt-`, `glpat-`…) keeps its prefix and loses the rest. Bytes
 * that could be the start of a secret are held back until the next chunk decides, so a secret split
 * across two chunks is still masked. Works on bytes (latin1 strings), so multi-byte characters split
 * across chunks are safe too.
 */
export const MASK = "[MASKED]";

/** GitLab's own token prefixes, masked in every trace even when the payload does not list them. */
export const DEFAULT_TOKEN_PREFIXES = [
  "glrt-",
  "glpat-",
  "gldt-",
  "glptt-",
  "glcbt-",
  "glft-",
  "glimt-",
  "glsoat-",
  "glrtr-",
  "GR1348941",
];

const TOKEN_CHAR = /[A-Za-z0-9_\-.]/;
/** A token running into the end of a chunk is held back at most this long before it is flushed. */
const MAX_HELD_TOKEN = 4096;

/** Anything but printable ASCII and common whitespace: such text takes the Buffer round trip. */
const NON_ASCII = /[^ -~\t\n\r]/;

function toBinary(text: string): string {
  // ASCII is its own UTF-8: the common case needs no round trip through a Buffer.
  return NON_ASCII.test(text) ? Buffer.from(text, "utf8").toString("latin1") : text;
}

/** A Buffer view of the bytes, without copying them. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Compiled prefix patterns by prefix list: every job of a runner masks the same prefixes. */
const prefixPatterns = new Map<string, RegExp>();

/** One scan finds the next prefix; alternatives in list order, as the first listed wins a tie. */
function prefixPattern(prefixes: readonly string[]): RegExp | undefined {
  if (prefixes.length === 0) return undefined;
  const key = prefixes.join("\n");
  let pattern = prefixPatterns.get(key);
  if (pattern === undefined) {
    pattern = new RegExp(prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    if (prefixPatterns.size >= 64) prefixPatterns.clear();
    prefixPatterns.set(key, pattern);
  }
  // Shared: every use sets `lastIndex` and runs to completion before another masker's turn.
  return pattern;
}

export class TraceMasker {
  private readonly secrets: string[];
  private readonly prefixes: string[];
  /** Secrets and prefixes: what a chunk's end may have begun. */
  private readonly candidates: string[];
  /** Byte values (the text is latin1) that can end a proper prefix of a candidate. */
  private readonly candidateChars: Uint8Array;
  private readonly anyPrefix: RegExp | undefined;
  private pending = "";

  constructor(secrets: readonly string[], tokenPrefixes: readonly string[]) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set(secrets.filter((s) => s.length > 0).map(toBinary))].sort(
      (a, b) => b.length - a.length,
    );
    this.prefixes = [...new Set(tokenPrefixes.filter((p) => p.length > 0).map(toBinary))];
    this.candidates = [...this.secrets, ...this.prefixes];
    this.candidateChars = new Uint8Array(256);
    for (const c of this.candidates)
      for (let k = 0; k < c.length - 1; k++) this.candidateChars[c.charCodeAt(k) & 255] = 1;
    this.anyPrefix = prefixPattern(this.prefixes);
  }

  /** Masks what can be decided now; returns the bytes safe to emit. */
  write(chunk: Uint8Array): Buffer {
    const text = this.pending + asBuffer(chunk).toString("latin1");
    const { out, keepFrom } = this.process(text, false);
    this.pending = out.slice(keepFrom);
    return Buffer.from(out.slice(0, keepFrom), "latin1");
  }

  /** Everything still held back, masked. */
  flush(): Buffer {
    const { out } = this.process(this.pending, true);
    this.pending = "";
    return Buffer.from(out, "latin1");
  }

  private process(text: string, final: boolean): { out: string; keepFrom: number } {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    let keepFrom = out.length;
    const masked: string[] = [];
    let length = 0;
    let i = 0;
    while (i < out.length) {
      // Jump to the next token prefix; plain text is copied in one slice.
      let next = -1;
      let prefix = "";
      const found = this.findPrefix(out, i);
      if (found !== undefined) {
        next = found.index;
        prefix = found.prefix;
      }
      if (next < 0) {
        masked.push(out.slice(i));
        break;
      }
      masked.push(out.slice(i, next));
      length += next - i;
      let end = next + prefix.length;
      while (end < out.length && TOKEN_CHAR.test(out[end] ?? "")) end++;
      if (end === out.length && !final && end - next < MAX_HELD_TOKEN) {
        keepFrom = length;
        masked.push(out.slice(next));
        break;
      }
      const piece = end > next + prefix.length ? prefix + MASK : prefix;
      masked.push(piece);
      length += piece.length;
      i = end;
    }
    out = masked.join("");
    if (!final && keepFrom === out.length) keepFrom = out.length - this.partialSuffix(out);
    return { out, keepFrom: final ? out.length : keepFrom };
  }

  /** The leftmost token prefix at or after `from` (the first listed when several start there). */
  private findPrefix(text: string, from: number): { index: number; prefix: string } | undefined {
    const anyPrefix = this.anyPrefix;
    if (anyPrefix === undefined) return undefined;
    anyPrefix.lastIndex = from;
    const m = anyPrefix.exec(text);
    return m === null ? undefined : { index: m.index, prefix: m[0] };
  }

  /** Length of the longest suffix of `text` that is a proper prefix of a secret or token prefix. */
  private partialSuffix(text: string): number {
    // Most chunks end in a character no secret or prefix holds (a newline): nothing to hold back.
    if (text.length === 0 || this.candidateChars[text.charCodeAt(text.length - 1) & 255] !== 1) return 0;
    let longest = 0;
    const end = text.length;
    for (const s of this.candidates) {
      const most = Math.min(s.length - 1, end);
      if (most <= longest) continue;
      // The earliest start of a suffix that `s` begins with is the longest one; only positions holding
      // `s`'s first character can start it, so jump between those.
      const first = s.charAt(0);
      for (let at = text.indexOf(first, end - most); at >= 0 && at < end - longest; ) {
        if (s.startsWith(text.slice(at))) {
          longest = end - at;
          break;
        }
        at = text.indexOf(first, at + 1);
      }
    }
    return longest;
  }
}
