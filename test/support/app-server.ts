import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll } from "vitest";

export { freePort } from "../../scripts/lib/net";

const root = path.resolve(import.meta.dirname, "../..");

export interface AppServer {
  url: string;
  logs: string[];
}

/**
 * Builds the app as production does and serves it as `npm start` does, configured the way
 * `npm run dev` configures it for the simulated shop. Stopped after the file.
 */
export async function startAppServer(p: { port: number; simulatorUrl: string; env?: Record<string, string> }): Promise<AppServer> {
  const buildDir = path.join(root, ".cache", `e2e-build-${process.pid}`);
  mkdirSync(path.dirname(buildDir), { recursive: true });
  const build = spawnSync(path.join(root, "node_modules/.bin/remix"), ["vite:build"], {
    cwd: root,
    env: { ...process.env, REMIX_BUILD_DIR: buildDir },
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`app build failed:\n${build.stdout}${build.stderr}`);
  const url = `http://127.0.0.1:${p.port}`;
  const router = pathToFileURL(path.join(root, "dev/shopify/route-fetch.mjs")).href;
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/serve.mjs"), path.join(buildDir, "server/index.js")], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "test",
      PORT: String(p.port),
      HOST: "127.0.0.1",
      SHOPIFY_APP_URL: url,
      SHOPIFY_SIMULATOR_URL: p.simulatorUrl,
      APP_BRIDGE_URL: `${p.simulatorUrl}/app-bridge.js`,
      DEV_FRAME_ANCESTORS: p.simulatorUrl,
      SHOPIFY_ADMIN_URL: p.simulatorUrl,
      FETCH_ALLOWED_ORIGINS: p.simulatorUrl,
      NODE_OPTIONS: `--import ${router}`,
      LOG_LEVEL: "warn",
      ...p.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => logs.push(d.toString()));
  afterAll(async () => {
    const exited = new Promise((r) => child.once("exit", r).once("error", r));
    child.kill("SIGTERM");
    // The server waits for keep-alive connections; do not let it hold the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
    rmSync(buildDir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`app server exited:\n${logs.join("")}`);
    try {
      const r = await fetch(url);
      if (r.ok) return { url, logs };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`app server did not start:\n${logs.join("")}`);
}
