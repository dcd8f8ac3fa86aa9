import pg from "pg";

export interface ProfileLine {
  sql: string;
  count: number;
  /** Wall time with at least one statement of this kind in flight (pipelined ones overlap). */
  totalMs: number;
}

/** Total length of the union of [start, end] intervals. */
function unionMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const [a, b] of sorted) {
    if (a > to) {
      if (to > from) total += to - from;
      [from, to] = [a, b];
    } else if (b > to) {
      to = b;
    }
  }
  if (to > from) total += to - from;
  return total;
}

type Query = (...args: unknown[]) => unknown;

/**
 * Client-side wall time per kind of statement, for every pg client in the process
 * (Prisma's adapter included), measured by wrapping pg.Client#query while started:
 * from the call to the result, so it includes the round trip and the time a statement
 * queued behind another on the same connection.
 * A statement kind is its first words with parameters and whitespace collapsed.
 */
export class QueryProfile {
  private readonly original = pg.Client.prototype.query as unknown as Query;
  private lines = new Map<string, { sql: string; intervals: [number, number][] }>();
  private active = false;

  constructor() {
    const original = this.original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const profile = this;
    (pg.Client.prototype as unknown as { query: Query }).query = function (this: pg.Client, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (profile.active && result && typeof (result as Promise<unknown>).then === "function") {
        const first = args[0] as string | { text?: string } | undefined;
        const text = typeof first === "string" ? first : (first?.text ?? "?");
        const started = performance.now();
        const record = () => profile.record(text, started, performance.now());
        (result as Promise<unknown>).then(record, record);
      }
      return result;
    };
  }

  start(): void {
    this.lines = new Map();
    this.active = true;
  }

  /** Stops recording; lines by total time, largest first, and the time any statement was in flight. */
  stop(): { lines: ProfileLine[]; inFlightMs: number } {
    this.active = false;
    const all = [...this.lines.values()];
    return {
      lines: all.map((l) => ({ sql: l.sql, count: l.intervals.length, totalMs: unionMs(l.intervals) })).sort((a, b) => b.totalMs - a.totalMs),
      inFlightMs: unionMs(all.flatMap((l) => l.intervals)),
    };
  }

  restore(): void {
    this.active = false;
    (pg.Client.prototype as unknown as { query: Query }).query = this.original;
  }

  private record(text: string, started: number, ended: number): void {
    const sql = text
      .replace(/\s+/g, " ")
      .replace(/\$\d+(, ?\$\d+)+/g, "$…")
      .replace(/\((\$…|\$\d+)\)(, ?\((\$…|\$\d+)\))+/g, "(…)…")
      .trim()
      .slice(0, 110);
    const line = this.lines.get(sql) ?? { sql, intervals: [] };
    line.intervals.push([started, ended]);
    this.lines.set(sql, line);
  }
}
