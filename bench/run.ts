// `npm run bench [-- name…]`: runs the benchmarks in bench/ one after another, each in
// its own process (as they always ran: a fresh heap and libvips per benchmark), and
// writes bench/RESULTS.md from the figures they record. An unmet target is a figure,
// not a failure; only a crashed benchmark makes the exit code non-zero.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine, loadAverage } from "./lib/machine";
import { renderReport, summarize } from "./lib/report";
import { appendRecord, readRecords, resultsFile, type OutcomeRecord } from "./lib/results";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPORT = path.join(BENCH_DIR, "RESULTS.md");
/** The order `npm run bench` always had; a benchmark added to bench/ runs after these. */
const ORDER = ["ledger", "ingest", "import", "studio", "fidelity", "shoots"];
/** Variables this runner sets or the benchmarks use internally: not settings of the run. */
const INTERNAL = new Set(["BENCH_RUN_ID", "BENCH_RESULTS", "BENCH_WORKER"]);

function benchmarks(): string[] {
  const found = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .map((f) => f.slice(0, -".ts".length));
  return [...ORDER.filter((b) => found.includes(b)), ...found.filter((b) => !ORDER.includes(b)).sort()];
}

function runOne(bench: string, env: NodeJS.ProcessEnv): Promise<{ exitCode: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, `${bench}.ts`)], { stdio: "inherit", env });
    child.once("error", (error) => {
      console.error(`bench: could not start ${bench}: ${error.message}`);
      resolve({ exitCode: null, signal: null });
    });
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }));
  });
}

const all = benchmarks();
const args = process.argv.slice(2);
const unknown = args.filter((a) => !all.includes(a));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(", ")}; the benchmarks are: ${all.join(", ")}`);
  process.exit(2);
}
const selected = args.length > 0 ? all.filter((b) => args.includes(b)) : all;

const id = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
const file = resultsFile();
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, "");
const env = { ...process.env, BENCH_RUN_ID: id, BENCH_RESULTS: file };
const settings = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("BENCH_") && !INTERNAL.has(e[0]) && e[1] !== undefined),
);

const startedAt = new Date();
const loadStart = loadAverage();
const machine = await describeMachine();
console.log(`bench: run ${id}: ${selected.join(", ")}; 1-minute load ${loadStart.toFixed(2)} on ${machine.cpuCount} CPUs; figures to ${file}`);

for (const [i, bench] of selected.entries()) {
  console.log(`\n=== ${bench} (${i + 1} of ${selected.length}) ===`);
  const loadBefore = loadAverage();
  const t = performance.now();
  const { exitCode, signal } = await runOne(bench, env);
  const status = exitCode === 0 ? "ok" : "crashed";
  const outcome: OutcomeRecord = { kind: "outcome", run: id, bench, status, exitCode, signal, durationMs: performance.now() - t, loadBefore };
  appendRecord(outcome, file);
  if (status === "crashed") console.error(`bench: ${bench} crashed (${signal ?? `exit code ${exitCode}`}); going on with the next benchmark`);
}

const command = process.env.npm_lifecycle_event === "bench" ? `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}` : `tsx bench/run.ts${args.length ? ` ${args.join(" ")}` : ""}`;
const records = readRecords(file, id);
const report = renderReport(
  { id, startedAt, finishedAt: new Date(), command, benches: selected, all, machine, load: { start: loadStart, end: loadAverage() }, settings },
  records,
);
writeFileSync(REPORT, report);
console.log(`\nbench: wrote ${path.relative(process.cwd(), REPORT)}. ${summarize(selected, records)}`);
process.exitCode = records.some((r) => r.kind === "outcome" && r.status === "crashed") ? 1 : 0;
