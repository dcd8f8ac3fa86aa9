import pino from "pino";
import { parseWorkerEnv } from "./env.server";
import { startFleet } from "./fleet";

const env = parseWorkerEnv(process.env);
const log = pino({ name: "atelier-worker", level: env.LOG_LEVEL });
const fleet = await startFleet(env, log);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "worker stopping");
  const timer = setTimeout(() => {
    log.warn("grace period over; exiting with jobs still running (they will be retried)");
    process.exit(1);
  }, env.WORKER_SHUTDOWN_GRACE_MS);
  timer.unref();
  await fleet.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
