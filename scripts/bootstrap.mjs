// Runs before anything else in `npm run dev` / `npm test`: on a fresh clone the
// dependencies are not installed yet, so this file must use Node built-ins only.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

if (!existsSync("node_modules/.package-lock.json")) {
  const command = existsSync("package-lock.json") ? "ci" : "install";
  console.log(`[setup] installing dependencies (npm ${command})…`);
  const result = spawnSync("npm", [command, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
