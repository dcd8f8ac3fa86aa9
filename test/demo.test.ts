import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "atelier-demo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("npm run demo", () => {
  it("runs the main job headless and prints the photos it made", { timeout: 180_000 }, () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: { ...process.env, LOCAL_STORAGE_DIR: root, DEMO_PRODUCTS: "3", LOG_LEVEL: "error" },
      encoding: "utf8",
      timeout: 170_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/jobs: 3 completed, 0 not completed/);
    expect(result.stdout).toMatch(/credits: 3 spent, balance 7/);
    const photos = [...result.stdout.matchAll(/photo: (\S+) \(1536×2048\)/g)].map((m) => m[1]!);
    expect(photos).toHaveLength(3);
    for (const p of photos) expect(existsSync(p)).toBe(true);
    const approved = Number(/approved (\d+) photos that passed/.exec(result.stdout)?.[1]);
    expect(approved).toBeGreaterThan(0);
    expect(result.stdout).toContain(`published: ${approved} photos, 0 failed`);
    const added = [...result.stdout.matchAll(/^\[demo\] {3}\+ (gid:\/\/shopify\/MediaImage\/\d+) READY "(.*)"$/gm)];
    expect(added).toHaveLength(approved);
    for (const [, , alt] of added) expect(alt).toMatch(/worn by a model standing in a studio \(AI-generated image\)$/);
  });

  // The whole flow through each external adapter, against its stand-in over HTTP.
  it.each(["fashn", "fal", "replicate", "http"])("shoots through the %s adapter", { timeout: 180_000 }, (provider) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: { ...process.env, LOCAL_STORAGE_DIR: root, DEMO_PRODUCTS: "2", LOG_LEVEL: "error", GENERATION_PROVIDER: provider },
      encoding: "utf8",
      timeout: 170_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`provider: ${provider} (stand-in at http://127.0.0.1:`);
    expect(result.stdout).toMatch(/jobs: 2 completed, 0 not completed/);
    expect(result.stdout).toMatch(/credits: 2 spent, balance 8/);
    expect([...result.stdout.matchAll(/photo: (\S+) \(\d+×\d+\)/g)]).toHaveLength(2);
  });
});
