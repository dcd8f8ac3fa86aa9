import { spawnSync, type SpawnSyncOptions } from "node:child_process";

export function log(message: string): void {
  console.log(`[setup] ${message}`);
}

export function run(command: string, args: string[], options: SpawnSyncOptions = {}): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { ok: result.status === 0, output };
}

export function hasCommand(command: string): boolean {
  return run("sh", ["-c", `command -v ${command}`]).ok;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

let aptUpdated = false;

/** Installs Debian packages when running as root; returns false when it cannot. */
export function aptInstall(packages: string[]): boolean {
  if (!isRoot() || !hasCommand("apt-get")) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    log("apt-get update…");
    run("apt-get", ["update", "-qq"], { env, stdio: "inherit" });
    aptUpdated = true;
  }
  log(`apt-get install ${packages.join(" ")}…`);
  return run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env, stdio: "inherit" }).ok;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function isLocalHost(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "[::1]";
}
