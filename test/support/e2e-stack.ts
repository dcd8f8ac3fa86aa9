import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll } from "vitest";
import { startSimulator, type Simulator } from "../../dev/shopify/server";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet, type Fleet } from "../../worker/fleet";
import { freePort, startAppServer, type AppServer } from "./app-server";

export const E2E_API_KEY = "atelier-dev-api-key";
export const E2E_API_SECRET = "atelier-dev-api-secret-not-for-production";

export interface E2eStack {
  appUrl: string;
  sim: Simulator;
  app: AppServer;
  fleet: Fleet;
}

/**
 * What a merchant's browser talks to in an e2e file, as `npm run dev` wires it: a
 * simulated shop, the built app served as `npm start` does, local storage in a fresh
 * folder, and a worker fleet on the given queues. All stopped after the file.
 */
export async function startE2eStack(p: { label: string; products: number; queues: string }): Promise<E2eStack> {
  const storageDir = mkdtempSync(path.join(tmpdir(), `atelier-e2e-${p.label}-`));
  afterAll(() => rmSync(storageDir, { recursive: true, force: true }));
  process.env.LOCAL_STORAGE_DIR = storageDir;
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const sim = await startSimulator({ appUrl, apiKey: E2E_API_KEY, apiSecret: E2E_API_SECRET, products: p.products });
  afterAll(() => sim.close());
  process.env.SHOPIFY_SIMULATOR_URL = sim.url;
  const app = await startAppServer({ port: appPort, simulatorUrl: sim.url });
  const source = { ...process.env, WORKER_QUEUES: p.queues, GENERATE_CONCURRENCY: "2", LOG_LEVEL: "silent", FETCH_ALLOWED_ORIGINS: sim.url };
  const fleet = await startFleet(parseWorkerEnv(source), pino({ level: "silent" }), source);
  afterAll(() => fleet.close());
  return { appUrl, sim, app, fleet };
}
