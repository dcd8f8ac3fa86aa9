import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatNumber, renderReport, summarize, type RunInfo } from "../../bench/lib/report";
import { appendRecord, isMet, readRecords, recordFigure, toRecord, type BenchRecord, type Figure, type OutcomeRecord } from "../../bench/lib/results";

const RUN = "run-1";

const machine = {
  cpuModel: "Test CPU 3000",
  cpuCount: 4,
  memoryBytes: 16 * 1024 ** 3,
  os: "Linux 6.1 x64",
  node: "v22.0.0",
  postgres: "PostgreSQL 16.4 on x86_64",
  redis: "unknown (connect ECONNREFUSED 127.0.0.1:6379)",
};

function runInfo(over: Partial<RunInfo> = {}): RunInfo {
  return {
    id: RUN,
    startedAt: new Date("2025-03-01T10:00:00Z"),
    finishedAt: new Date("2025-03-01T10:12:30Z"),
    command: "npm run bench",
    benches: ["ledger", "ingest", "shoots"],
    all: ["ledger", "ingest", "shoots"],
    machine,
    load: { start: 0.3, end: 2.1 },
    settings: {},
    ...over,
  };
}

const figure = (f: Figure) => toRecord(f, RUN);
const outcome = (bench: string, over: Partial<OutcomeRecord> = {}): OutcomeRecord => ({
  kind: "outcome",
  run: RUN,
  bench,
  status: "ok",
  exitCode: 0,
  signal: null,
  durationMs: 42_000,
  loadBefore: 0.4,
  ...over,
});

const ingestMet = figure({
  bench: "ingest",
  figure: "ingest + store, 4000×3000 JPEG",
  value: 162.4,
  unit: "ms",
  floor: { label: "bare sharp rotate+jpeg(90)", value: 148.2, unit: "ms" },
  ratio: 1.07,
  target: { op: "<=", value: 1.25 },
  note: "medians of 20 interleaved runs",
});
const throughputUnmet = figure({
  bench: "shoots",
  figure: "orchestration throughput",
  value: 247,
  unit: "jobs/s",
  floor: { label: "raw BullMQ | no-op", value: 4633, unit: "jobs/s" },
  ratio: 0.0533,
  target: { op: ">=", value: 0.25 },
});
const plain = figure({ bench: "ledger", figure: "single reserves", value: 599.4, unit: "reserves/s" });

const tableRow = (md: string, name: string) => md.split("\n").find((l) => l.startsWith(`| ${name} |`));

describe("isMet", () => {
  it("judges the ratio when there is a floor and the value when there is none", () => {
    expect(isMet({ value: 500, floor: { label: "f", value: 100, unit: "ms" }, ratio: 1.1, target: { op: "<=", value: 1.15 } })).toBe(true);
    expect(isMet({ value: 500, floor: { label: "f", value: 100, unit: "ms" }, ratio: 1.2, target: { op: "<=", value: 1.15 } })).toBe(false);
    expect(isMet({ value: 0, target: { op: "<=", value: 0 } })).toBe(true);
    expect(isMet({ value: 0.3, target: { op: ">=", value: 0.25 } })).toBe(true);
  });

  it("has no verdict without a target or without a ratio to judge", () => {
    expect(isMet({ value: 5 })).toBeNull();
    expect(isMet({ value: 5, floor: { label: "f", value: 0, unit: "s" }, target: { op: "<=", value: 1.15 } })).toBeNull();
    expect(isMet({ value: 5, floor: { label: "f", value: 0, unit: "s" }, ratio: Number.NaN, target: { op: "<=", value: 1.15 } })).toBeNull();
  });
});

describe("records", () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.unstubAllEnvs();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stores what JSON cannot hold as null", () => {
    const r = toRecord({ bench: "import", figure: "wall", value: Number.NaN, unit: "s", ratio: Number.POSITIVE_INFINITY }, RUN);
    expect(JSON.parse(JSON.stringify(r))).toMatchObject({ value: null, ratio: null, met: null });
  });

  it("appends from separate writers to one file and reads back one run, skipping a torn line", () => {
    dir = mkdtempSync(path.join(tmpdir(), "atelier-bench-test-"));
    const file = path.join(dir, "nested", "results.jsonl");
    vi.stubEnv("BENCH_RESULTS", file);
    vi.stubEnv("BENCH_RUN_ID", RUN);
    recordFigure({ bench: "ledger", figure: "single reserves", value: 600, unit: "reserves/s" });
    appendRecord(toRecord({ bench: "ledger", figure: "from another run", value: 1, unit: "ms" }, "run-0"), file);
    appendFileSync(file, '{"kind":"figure","run":"run-1","bench":"ing');
    appendFileSync(file, "\n");
    appendRecord(outcome("ledger"), file);

    const records = readRecords(file, RUN);
    expect(records.map((r) => r.kind)).toEqual(["figure", "outcome"]);
    expect(records[0]).toMatchObject({ run: RUN, bench: "ledger", value: 600, met: null });
    expect(readRecords(path.join(dir, "missing.jsonl"), RUN)).toEqual([]);
  });
});

describe("renderReport", () => {
  const records: BenchRecord[] = [plain, outcome("ledger"), ingestMet, outcome("ingest"), throughputUnmet, outcome("shoots")];

  it("writes the machine, the load, and one table per benchmark with floor, ratio, target and verdict", () => {
    const md = renderReport(runInfo(), records);
    expect(md).toContain("Written by `npm run bench` on 2025-03-01 10:00:00 UTC (run `run-1`, 12 min 30 s)");
    expect(md).toContain("- CPU: Test CPU 3000, 4 logical CPUs");
    expect(md).toContain("- Memory: 16.0 GiB");
    expect(md).toContain("- PostgreSQL: PostgreSQL 16.4 on x86_64");
    expect(md).toContain("- Redis: unknown (connect ECONNREFUSED 127.0.0.1:6379)");
    expect(md).toContain("0.30 at the start, 2.10 at the end");
    expect(md).toContain("Otherwise idle at the start");
    expect(md).not.toContain("Partial run");
    expect(md.indexOf("## ledger")).toBeLessThan(md.indexOf("## ingest"));
    expect(md.indexOf("## ingest")).toBeLessThan(md.indexOf("## shoots"));

    expect(tableRow(md, "ingest + store, 4000×3000 JPEG")).toBe(
      "| ingest + store, 4000×3000 JPEG | 162 ms | bare sharp rotate+jpeg(90): 148 ms | 1.070× | ≤ 1.25× | yes | medians of 20 interleaved runs |",
    );
    expect(tableRow(md, "orchestration throughput")).toBe(
      "| orchestration throughput | 247 jobs/s | raw BullMQ \\| no-op: 4,633 jobs/s | 0.053× | ≥ 0.25× | **no** |  |",
    );
    expect(tableRow(md, "single reserves")).toBe("| single reserves | 599 reserves/s | — | — | — | — |  |");
    expect(md).toContain("Targets met: 1 of 2. Benchmarks: 3 of 3 completed.");
  });

  it("judges a target on the value, with its unit, when there is no floor", () => {
    const violations = figure({ bench: "shoots", figure: "ledger invariant violations", value: 2, unit: "", target: { op: "<=", value: 0 }, note: "2 negative balances" });
    const md = renderReport(runInfo({ benches: ["shoots"] }), [violations, outcome("shoots")]);
    expect(tableRow(md, "ledger invariant violations")).toBe("| ledger invariant violations | 2 | — | — | ≤ 0 | **no** | 2 negative balances |");
  });

  it("marks a subset of the benchmarks as a partial run, with the settings that changed the figures", () => {
    const md = renderReport(runInfo({ benches: ["ingest"], settings: { BENCH_RUNS: "5" } }), [ingestMet, outcome("ingest")]);
    expect(md).toContain("**Partial run**: ingest only; not run: ledger, shoots.");
    expect(md).toContain("Settings: `BENCH_RUNS=5`");
    expect(md).not.toContain("## ledger");
    expect(md).toContain("Targets met: 1 of 1. Benchmarks: 1 of 1 completed.");
  });

  it("reports a crashed benchmark with the figures it recorded before it stopped, and goes on", () => {
    const crashed = outcome("ingest", { status: "crashed", exitCode: 1, durationMs: 3_000 });
    const killed = outcome("shoots", { status: "crashed", exitCode: null, signal: "SIGKILL", durationMs: 95_000 });
    const md = renderReport(runInfo(), [plain, outcome("ledger"), ingestMet, crashed, killed]);
    expect(md).toContain("**Crashed** (exit code 1) after 3 s");
    expect(md).toContain("**Crashed** (killed by SIGKILL) after 1 min 35 s");
    expect(tableRow(md, "ingest + store, 4000×3000 JPEG")).toContain("| yes |");
    expect(md.slice(md.indexOf("## shoots"))).toContain("Its console output has the error.\n\nNo figures recorded.");
    expect(md).toContain("Benchmarks: 1 of 3 completed; crashed: ingest, shoots.");
    expect(summarize(["ledger", "ingest", "shoots"], [plain, outcome("ledger"), ingestMet, crashed, killed])).toBe(
      "Targets met: 1 of 1. Benchmarks: 1 of 3 completed; crashed: ingest, shoots.",
    );
  });

  it("says when a target could not be judged and when the machine was busy", () => {
    const noFloor = figure({ bench: "ledger", figure: "wall", value: 4.1, unit: "s", target: { op: "<=", value: 1.15 }, floor: { label: "bucket floor", value: 0, unit: "s" } });
    const md = renderReport(runInfo({ benches: ["ledger"], load: { start: 3.5, end: 3.9 } }), [noFloor, outcome("ledger")]);
    expect(tableRow(md, "wall")).toBe("| wall | 4.10 s | bucket floor: 0 s | — | ≤ 1.15× | — |  |");
    expect(md).toContain("Targets met: 0 of 1 (1 could not be judged: no ratio was measured)");
    expect(md).toContain("**Not idle** at the start");
  });

  it("says so when no figure has a target", () => {
    expect(summarize(["ledger"], [plain, outcome("ledger")])).toBe("No figure here has a target. Benchmarks: 1 of 1 completed.");
  });
});

describe("formatNumber", () => {
  it("keeps three or so significant digits and integers whole", () => {
    expect([formatNumber(12_345.6), formatNumber(342.4), formatNumber(38.46), formatNumber(5.523), formatNumber(0.0533), formatNumber(0), formatNumber(7)]).toEqual([
      "12,346",
      "342",
      "38.5",
      "5.52",
      "0.0533",
      "0",
      "7",
    ]);
    expect(formatNumber(null)).toBe("n/a");
  });
});
