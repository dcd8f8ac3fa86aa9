import { existsSync } from "node:fs";
import { aptInstall, log } from "./shell";

export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : null;
  return CHROMIUM_CANDIDATES.find((c) => existsSync(c)) ?? null;
}

/** The e2e tests drive Debian's Chromium; install it when missing and allowed. */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  log("Chromium not found; installing Debian's chromium for the browser tests");
  if (!aptInstall(["chromium"]) || !findChromium()) {
    throw new Error("Chromium is needed by the e2e tests: apt-get install chromium, or set CHROMIUM_PATH");
  }
  return findChromium()!;
}
