// `npm run soak`: many shops, faults everywhere, then the invariants. Exits non-zero on
// any violation. Options: --shops N --duration S --seed N (or SOAK_SHOPS, SOAK_DURATION_S, SOAK_SEED).
import "../dev/shopify/route-fetch.mjs";
import { DEFAULT_DATABASE_URL } from "../app/lib/env-schema";
import { parseSoakConfig } from "./config";
import { formatReport } from "./report";
import { runSoak } from "./soak";

const config = parseSoakConfig(process.argv.slice(2), process.env);
const baseDatabaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
process.env.LOG_LEVEL ??= "warn";

const interrupted = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`soak: ${signal}; stopping the workers and redis-server, dropping the database`);
    interrupted.abort();
  });
}

runSoak(config, { baseDatabaseUrl, log: (line) => console.log(line), signal: interrupted.signal, onStopped: () => process.exit(130) }).then(
  (report) => {
    console.log(`\n${formatReport(report)}`);
    process.exit(report.violations === 0 ? 0 : 1);
  },
  (error: unknown) => {
    console.error(`soak could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
