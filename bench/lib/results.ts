import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Figures as data, beside the console output: every benchmark runs in its own process
// (bench/run.ts starts them), so they meet in one JSON-lines file named by
// BENCH_RESULTS and tagged with BENCH_RUN_ID, from which bench/run.ts writes the report.

export interface Target {
  op: "<=" | ">=";
  value: number;
}

export interface Floor {
  label: string;
  value: number;
  unit: string;
}

export interface Figure {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  /** What the figure is measured against, in the same run. */
  floor?: Floor;
  ratio?: number;
  /** Applies to the ratio when there is a floor, to the value otherwise. */
  target?: Target;
  note?: string;
}

/** JSON has no NaN: a figure that could not be computed is stored as null. */
export interface FigureRecord extends Omit<Figure, "value" | "ratio"> {
  kind: "figure";
  run: string;
  value: number | null;
  ratio?: number | null;
  /** null when there is no target or nothing to judge it on. */
  met: boolean | null;
}

export interface OutcomeRecord {
  kind: "outcome";
  run: string;
  bench: string;
  status: "ok" | "crashed";
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** 1-minute load average just before the benchmark started. */
  loadBefore: number;
}

export type BenchRecord = FigureRecord | OutcomeRecord;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_RESULTS = path.join(ROOT, ".cache/bench/results.jsonl");

export function resultsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_RESULTS ? path.resolve(env.BENCH_RESULTS) : DEFAULT_RESULTS;
}

/** A benchmark started by hand, outside bench/run.ts, still records under a recognisable id. */
export function runId(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_RUN_ID || "standalone";
}

export function isMet(f: Pick<Figure, "value" | "floor" | "ratio" | "target">): boolean | null {
  if (!f.target) return null;
  const subject = f.floor ? f.ratio : f.value;
  if (subject === undefined || !Number.isFinite(subject)) return null;
  return f.target.op === "<=" ? subject <= f.target.value : subject >= f.target.value;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function toRecord(f: Figure, run: string): FigureRecord {
  return {
    kind: "figure",
    run,
    ...f,
    value: finite(f.value),
    ...(f.ratio === undefined ? {} : { ratio: finite(f.ratio) }),
    met: isMet(f),
  };
}

export function appendRecord(record: BenchRecord, file = resultsFile()): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // One write per line with O_APPEND: lines from concurrent writers do not interleave.
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function recordFigure(f: Figure): void {
  appendRecord(toRecord(f, runId()));
}

/** recordFigure with the benchmark's name filled in. */
export function recorder(bench: string): (f: Omit<Figure, "bench">) => void {
  return (f) => recordFigure({ bench, ...f });
}

/** The records of one run, in the order they were written; unreadable lines are skipped. */
export function readRecords(file: string, run: string): BenchRecord[] {
  if (!existsSync(file)) return [];
  const records: BenchRecord[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as BenchRecord;
      if (r.run === run) records.push(r);
    } catch {
      // A benchmark killed mid-write leaves a partial line; the rest of the run still counts.
    }
  }
  return records;
}
