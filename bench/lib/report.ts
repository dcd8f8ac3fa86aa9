import type { BenchRecord, FigureRecord, OutcomeRecord, Target } from "./results";

// bench/RESULTS.md from one run's records. Pure, so the layout is tested without
// running a benchmark.

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  os: string;
  node: string;
  /** `select version()`, or why it is unknown. */
  postgres: string;
  /** redis_version from INFO, or why it is unknown. */
  redis: string;
}

export interface RunInfo {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  command: string;
  /** The benchmarks this run was asked for, in the order they ran. */
  benches: string[];
  /** Every benchmark in bench/: fewer requested makes the report partial. */
  all: string[];
  machine: Machine;
  /** 1-minute load averages. */
  load: { start: number; end: number };
  /** BENCH_* settings that change what the benchmarks measure (BENCH_RUNS, BENCH_JOBS…). */
  settings: Record<string, string>;
}

/** Below this 1-minute load per CPU before the run, the machine counts as otherwise idle. */
export const IDLE_LOAD_PER_CPU = 0.25;

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  if (abs >= 1000 || Number.isInteger(v)) return v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1 || v === 0) return v.toFixed(2);
  return v.toPrecision(3);
}

function withUnit(v: number | null | undefined, unit: string): string {
  const n = formatNumber(v);
  if (!unit || n === "n/a") return n;
  return /^[%×]/.test(unit) ? `${n}${unit}` : `${n} ${unit}`;
}

function formatRatio(r: number | null | undefined): string {
  if (r === undefined) return "—";
  if (r === null || !Number.isFinite(r)) return "n/a";
  return `${r < 10 ? r.toFixed(3) : formatNumber(r)}×`;
}

function formatTarget(t: Target | undefined, againstRatio: boolean, unit: string): string {
  if (!t) return "—";
  const op = t.op === "<=" ? "≤" : "≥";
  return againstRatio ? `${op} ${t.value}×` : `${op} ${withUnit(t.value, unit)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const row = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
const met = (m: boolean | null) => (m === null ? "—" : m ? "yes" : "**no**");

function figureRow(f: FigureRecord): string {
  return row([
    f.figure,
    withUnit(f.value, f.unit),
    f.floor ? `${f.floor.label}: ${withUnit(f.floor.value, f.floor.unit)}` : "—",
    formatRatio(f.ratio),
    formatTarget(f.target, Boolean(f.floor), f.unit),
    met(f.met),
    f.note ?? "",
  ]);
}

function outcomeLine(bench: string, outcome: OutcomeRecord | undefined, figures: number): string {
  if (!outcome) return "Did not run.";
  const load = `1-minute load ${outcome.loadBefore.toFixed(2)} before it started`;
  if (outcome.status === "ok") return `Ran in ${formatDuration(outcome.durationMs)}; ${load}.`;
  const how = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
  const kept = figures > 0 ? `The figures below are those ${bench} recorded before it stopped; ` : "";
  return `**Crashed** (${how}) after ${formatDuration(outcome.durationMs)}; ${load}. ${kept}${kept ? "its" : "Its"} console output has the error.`;
}

const figuresOf = (records: BenchRecord[]) => records.filter((r): r is FigureRecord => r.kind === "figure");
const outcomesOf = (records: BenchRecord[]) => new Map(records.filter((r): r is OutcomeRecord => r.kind === "outcome").map((r) => [r.bench, r]));

/** One line: targets met and benchmarks completed; also what bench/run.ts prints last. */
export function summarize(benches: string[], records: BenchRecord[]): string {
  const withTarget = figuresOf(records).filter((f) => f.target);
  const met = withTarget.filter((f) => f.met === true).length;
  const unjudged = withTarget.filter((f) => f.met === null).length;
  const outcomes = outcomesOf(records);
  const completed = benches.filter((b) => outcomes.get(b)?.status === "ok").length;
  const crashed = benches.filter((b) => outcomes.get(b)?.status === "crashed");
  const targets =
    withTarget.length === 0
      ? "No figure here has a target"
      : `Targets met: ${met} of ${withTarget.length}` + (unjudged > 0 ? ` (${unjudged} could not be judged: no ratio was measured)` : "");
  return `${targets}. Benchmarks: ${completed} of ${benches.length} completed` + (crashed.length > 0 ? `; crashed: ${crashed.join(", ")}` : "") + ".";
}

export function renderReport(run: RunInfo, records: BenchRecord[]): string {
  const figures = figuresOf(records);
  const outcomes = outcomesOf(records);
  const skipped = run.all.filter((b) => !run.benches.includes(b));
  const m = run.machine;
  const idle = run.load.start / m.cpuCount < IDLE_LOAD_PER_CPU;
  const settings = Object.entries(run.settings);

  const lines = [
    "# Benchmark results",
    "",
    `Written by \`${run.command}\` on ${run.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC (run \`${run.id}\`, ${formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())}). ` +
      "Generated: edit the benchmarks, not this file.",
    "",
  ];
  if (skipped.length > 0) {
    lines.push(`**Partial run**: ${run.benches.join(", ")} only; not run: ${skipped.join(", ")}.`, "");
  }
  if (settings.length > 0) {
    lines.push(`Settings: ${settings.map(([k, v]) => `\`${k}=${v}\``).join(", ")} (figures are not comparable with a run on the defaults).`, "");
  }
  lines.push(
    "## Machine",
    "",
    `- CPU: ${m.cpuModel}, ${m.cpuCount} logical CPUs`,
    `- Memory: ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${m.os}`,
    `- Node.js: ${m.node}`,
    `- PostgreSQL: ${m.postgres}`,
    `- Redis: ${m.redis}`,
    `- Load (1-minute average): ${run.load.start.toFixed(2)} at the start, ${run.load.end.toFixed(2)} at the end (which includes the benchmarks' own load). ` +
      (idle
        ? `Otherwise idle at the start (below ${IDLE_LOAD_PER_CPU} per CPU).`
        : `**Not idle** at the start (${IDLE_LOAD_PER_CPU} per CPU or more): other work was running, so the figures are noisy.`),
    "",
    "## Summary",
    "",
    summarize(run.benches, records),
    "",
    "A ratio is the figure against its floor, measured in the same run; a target applies to the ratio when there is a floor, to the value otherwise.",
  );
  for (const bench of run.benches) {
    const own = figures.filter((f) => f.bench === bench);
    lines.push("", `## ${bench}`, "", outcomeLine(bench, outcomes.get(bench), own.length), "");
    if (own.length === 0) {
      lines.push("No figures recorded.");
      continue;
    }
    lines.push(row(["Figure", "Value", "Floor", "Ratio", "Target", "Met", "Note"]), row(Array(7).fill("---")));
    for (const f of own) lines.push(figureRow(f));
  }
  return `${lines.join("\n")}\n`;
}
