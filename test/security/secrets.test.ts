import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { mintSessionToken } from "../../dev/shopify/tokens";
import { startStripeStandIn } from "../../dev/stripe/server";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { freePort, startAppServer } from "../support/app-server";
import { newPage, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { DEV_SESSION_ENCRYPTION_KEYS } from "~/services/shopify/token-crypto.server";
import { filesUnder, findSecrets, REPO_ROOT } from "./harness";

// No configured secret reaches the browser (the built client bundle, or any response
// the app sends a browser), the logs of the app server and the worker (at debug level),
// error answers, or the job data kept in Redis. Every secret gets a distinctive value
// here; a full run (install from the admin, import, shoot, buy credits through Stripe
// Checkout, then some refused requests) is captured and searched for each.

const hex = (n: number) => randomBytes(n).toString("hex");
const sessionKey = randomBytes(32).toString("base64");
const SECRETS: Record<string, string> = {
  SESSION_ENCRYPTION_KEYS: `sec1:${sessionKey}`,
  "SESSION_ENCRYPTION_KEYS key": sessionKey,
  SHOPIFY_API_SECRET: `shpss_${hex(16)}`,
  STRIPE_SECRET_KEY: `sk_test_${hex(16)}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${hex(16)}`,
  PROVIDER_WEBHOOK_SECRET: `pws_${hex(16)}`,
  STORAGE_SIGNING_SECRET: `sss_${hex(20)}`,
  REPLICATE_WEBHOOK_SECRET: `whsec_${hex(16)}`,
  GPU_WORKER_WEBHOOK_SECRET: `gpuwh_${hex(16)}`,
  SUPABASE_SERVICE_ROLE_KEY: `sbsrk_${hex(16)}`,
  FASHN_API_KEY: `fa_${hex(16)}`,
  FAL_KEY: `fal_${hex(16)}`,
  REPLICATE_API_TOKEN: `r8_${hex(16)}`,
  GPU_WORKER_TOKEN: `gpu_${hex(16)}`,
};
// The defaults baked into the source for development: a client chunk holding one has
// pulled in server configuration.
const DEV_DEFAULTS: Record<string, string> = {
  "dev SHOPIFY_API_SECRET": "atelier-dev-api-secret-not-for-production",
  "dev STRIPE_SECRET_KEY": "sk_test_atelier_dev",
  "dev STRIPE_WEBHOOK_SECRET": "whsec_atelier_dev",
  "dev PROVIDER_WEBHOOK_SECRET": "atelier-dev-provider-webhook-secret",
  "dev SESSION_ENCRYPTION_KEYS key": DEV_SESSION_ENCRYPTION_KEYS.split(":")[1]!,
};
Object.assign(process.env, Object.fromEntries(Object.entries(SECRETS).filter(([name]) => /^[A-Z_]+$/.test(name))), { GPU_WORKER_URL: "http://127.0.0.1:9/gpu" });

const h = useTestDb(2);
const storageDir = mkdtempSync(path.join(tmpdir(), "atelier-security-secrets-"));
afterAll(() => rmSync(storageDir, { recursive: true, force: true }));
process.env.LOCAL_STORAGE_DIR = storageDir;

const appPort = await freePort();
const appUrl = `http://127.0.0.1:${appPort}`;
const sim = await startSimulator({ appUrl, apiKey: "atelier-dev-api-key", apiSecret: SECRETS.SHOPIFY_API_SECRET!, products: 6 });
afterAll(() => sim.close());
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const stripe = await startStripeStandIn({ secretKey: SECRETS.STRIPE_SECRET_KEY!, webhookSecret: SECRETS.STRIPE_WEBHOOK_SECRET!, webhookUrl: `${appUrl}/webhooks/stripe` });
afterAll(() => stripe.close());

// The client bundle, built the way test/support/app-server.ts builds it, with the secrets in the environment.
const buildDir = mkdtempSync(path.join(tmpdir(), "atelier-security-build-"));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const app = await startAppServer({
  port: appPort,
  simulatorUrl: sim.url,
  env: { LOG_LEVEL: "debug", BILLING_PROVIDER: "stripe", STRIPE_API_URL: stripe.url },
});

const workerLogs: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    workerLogs.push(chunk.toString());
    done();
  },
});
const source = {
  ...process.env,
  WORKER_QUEUES: "import,generate,publish",
  GENERATE_CONCURRENCY: "2",
  LOG_LEVEL: "debug",
  FETCH_ALLOWED_ORIGINS: sim.url,
  PROVIDER_WEBHOOK_BASE_URL: appUrl,
};
const fleet = await startFleet(parseWorkerEnv(source), pino({ name: "atelier-worker", level: "debug" }, sink), source);
afterAll(() => fleet.close());
const browser = await useBrowser();

/** Resolves once `logs` has not grown for `quietMs` (at most `maxMs`). */
async function settled(logs: string[], quietMs = 400, maxMs = 5_000): Promise<void> {
  const end = Date.now() + maxMs;
  let size = -1;
  while (Date.now() < end && logs.length !== size) {
    size = logs.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** What the full run left, for the checks after it. */
let captured: { appLog: string; sessionTokens: string[] } | undefined;

function expectNoSecrets(corpora: [string, string][], secrets: Record<string, string>) {
  const hits = findSecrets(secrets, corpora);
  expect(hits, hits.map((hit) => `${hit.secret} in ${hit.where}: …${hit.context}…`).join("\n\n")).toEqual([]);
}

/** Every value under the queues' Redis prefix: job data, results, errors and events. */
async function redisCorpus(): Promise<{ text: string; jobs: number }> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    const prefix = process.env.REDIS_PREFIX!;
    const parts: string[] = [];
    let jobs = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === "string") value = await redis.get(key);
        else if (type === "hash") value = await redis.hgetall(key);
        else if (type === "list") value = await redis.lrange(key, 0, -1);
        else if (type === "set") value = await redis.smembers(key);
        else if (type === "zset") value = await redis.zrange(key, 0, -1, "WITHSCORES");
        else if (type === "stream") value = await redis.xrange(key, "-", "+");
        if (type === "hash" && typeof (value as Record<string, string>).data === "string") jobs++;
        parts.push(`${key} (${type}): ${JSON.stringify(value)}`);
      }
    } while (cursor !== "0");
    return { text: parts.join("\n"), jobs };
  } finally {
    redis.disconnect();
  }
}

describe("secrets", () => {
  it("are found by the scan as they are and base64-encoded (the scan itself)", () => {
    const planted = SECRETS.STRIPE_SECRET_KEY!;
    const hits = findSecrets({ STRIPE_SECRET_KEY: planted }, [
      ["plain", `key=${planted};`],
      ["basic auth", `Authorization: Basic ${Buffer.from(planted).toString("base64")}`],
      ["clean", "nothing here"],
    ]);
    expect(hits.map((hit) => [hit.secret, hit.where])).toEqual([
      ["STRIPE_SECRET_KEY", "plain"],
      ["STRIPE_SECRET_KEY (base64)", "basic auth"],
    ]);
    expect(hits[0]!.context).toBe("key=<STRIPE_SECRET_KEY>;");
  });

  it("are in no file of the built client bundle", { timeout: 60_000 }, () => {
    const build = spawnSync(path.join(REPO_ROOT, "node_modules/.bin/remix"), ["vite:build"], {
      cwd: REPO_ROOT,
      env: { ...process.env, REMIX_BUILD_DIR: buildDir },
      encoding: "utf8",
    });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    const files = filesUnder(path.join(buildDir, "client"));
    expect(files.filter((f) => f.endsWith(".js")).length).toBeGreaterThan(5);
    expectNoSecrets(
      files.map((f) => [path.relative(buildDir, f), readFileSync(f, "latin1")]),
      { ...SECRETS, ...DEV_DEFAULTS },
    );
  });

  it("are in no log, error, response or job data of a full run", { timeout: 110_000 }, async () => {
    const shop = uniqueShopDomain("secrets");
    const { page, errors } = await newPage(browser);
    const sessionTokens = new Set<string>();
    // Everything the app sends the browser: documents, loader data, assets, images.
    const responses: [string, string][] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(appUrl)) return;
      const bearer = /^Bearer (\S+)$/.exec(request.headers().authorization ?? "")?.[1];
      const idToken = new URL(request.url()).searchParams.get("id_token");
      for (const t of [bearer, idToken]) if (t) sessionTokens.add(t);
    });
    page.on("response", (response) => {
      if (!response.url().startsWith(appUrl)) return;
      void (async () => {
        const headers = Object.entries(await response.allHeaders()).map(([k, v]) => `${k}: ${v}`).join("\n");
        const body = await response.body().then((b) => b.toString("latin1"), () => "");
        responses.push([`browser ${response.status()} ${response.url()}`, `${headers}\n\n${body}`]);
      })().catch(() => undefined);
    });

    // Install from the admin, import one product's photos, shoot it.
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/catalog`);
    const frame = page.frameLocator("#app-frame");
    const rows = frame.locator("tr.Polaris-IndexTable__TableRow");
    await rows.first().waitFor({ timeout: 30_000 });
    let picked = -1;
    for (let i = 0; i < (await rows.count()) && picked < 0; i++) {
      if (Number(await rows.nth(i).locator("td").nth(6).textContent()) > 0) picked = i;
    }
    expect(picked).toBeGreaterThanOrEqual(0);
    await rows.nth(picked).locator("input[type=checkbox]").check({ force: true });
    await frame.getByRole("button", { name: "Import images" }).click();
    await expect.poll(() => frame.getByText("Import finished").count(), { timeout: 30_000 }).toBe(1);
    await rows.nth(picked).locator("input[type=checkbox]").check({ force: true });
    await frame.getByRole("button", { name: "Create shoot" }).click();
    await frame.locator("#shoot-price").waitFor({ timeout: 15_000 });
    await frame.getByRole("button", { name: /Start shoot/ }).click();
    await frame.locator("#shoot-progress").waitFor({ timeout: 15_000 });
    await expect.poll(() => frame.locator("#shoot-progress").textContent(), { timeout: 60_000 }).toContain("Finished: 1 ready");

    // Buy credits through Stripe Checkout: the app calls Stripe with its key, Stripe signs the webhook.
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/credits`);
    await page.frameLocator("#app-frame").getByRole("button", { name: "Buy Starter" }).click({ timeout: 30_000 });
    await page.getByRole("button", { name: "Pay", exact: true }).click({ timeout: 15_000 });
    await expect.poll(() => page.frameLocator("#app-frame").getByText(/Payment received/).count(), { timeout: 30_000 }).toBe(1);
    await stripe.idle();
    expect(stripe.state.deliveries.filter((d) => d.type === "checkout.session.completed").map((d) => d.status)).toEqual([200]);
    expect(errors, app.logs.join("")).toEqual([]);

    // Refused requests: the error answers and the logs they leave.
    const expired = await mintSessionToken({ shop, apiKey: "atelier-dev-api-key", apiSecret: SECRETS.SHOPIFY_API_SECRET!, ttlSeconds: -120 });
    const valid = await mintSessionToken({ shop, apiKey: "atelier-dev-api-key", apiSecret: SECRETS.SHOPIFY_API_SECRET! });
    const refused: [string, RequestInit][] = [
      ["/app", { headers: { Authorization: `Bearer ${expired}` } }],
      ["/app", { headers: { Authorization: "Bearer not-a-token" } }],
      ["/api/billing/checkout-session", { method: "POST", headers: { Authorization: `Bearer ${valid}`, "Content-Type": "application/json" }, body: "{not json" }],
      ["/api/billing/checkout-session", { method: "POST", headers: { Authorization: `Bearer ${valid}`, "Content-Type": "application/json" }, body: JSON.stringify({ pack_id: "nope" }) }],
      ["/webhooks/stripe", { method: "POST", headers: { "Stripe-Signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` }, body: "{}" }],
      ["/webhooks/app/uninstalled", { method: "POST", headers: { "X-Shopify-Hmac-Sha256": "bad", "X-Shopify-Topic": "app/uninstalled", "X-Shopify-Shop-Domain": shop, "X-Shopify-API-Version": "2026-01", "X-Shopify-Webhook-Id": "w1" }, body: "{}" }],
      [`/storage/outputs/x/y.jpg?expires=1&sig=${"a".repeat(43)}`, {}],
      ["/app/shoots/not-a-shoot", { headers: { Authorization: `Bearer ${valid}` } }],
      // Last: its refusal is logged, which tells when the server's log has caught up.
      [`/webhooks/providers/fal?job=${crypto.randomUUID()}&token=${"A".repeat(43)}`, { method: "POST", body: "{}" }],
    ];
    const answers: [string, string][] = [];
    for (const [url, init] of refused) {
      const response = await fetch(`${appUrl}${url}`, { ...init, redirect: "manual" });
      expect(response.status, url).toBeGreaterThanOrEqual(300);
      answers.push([`answer ${response.status} ${url}`, `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${await response.text()}`]);
    }
    // The server's output arrives through a pipe: wait for the last request's line, then for quiet.
    await expect.poll(() => app.logs.join("").includes("provider webhook refused"), { timeout: 10_000 }).toBe(true);
    await settled(app.logs);

    // The run happened: the offline token Shopify issued to the shop is one more secret.
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(await h.prisma.session.count({ where: { shop, isOnline: false } })).toBe(1);
    const offlineTokens = [...sim.runtime.accessTokens].filter(([, domain]) => domain === shop).map(([t]) => t);
    expect(offlineTokens.length).toBeGreaterThan(0);
    expect(await h.prisma.generationJob.count({ where: { shopId: row.id, status: "completed" } })).toBe(1);
    const redis = await redisCorpus();
    expect(redis.jobs, "BullMQ job data in Redis").toBeGreaterThanOrEqual(2);
    const appLog = app.logs.join("");
    const workerLog = workerLogs.join("");
    expect(appLog, "the app server logs at debug level").toMatch(/Session token is valid/);
    captured = { appLog, sessionTokens: [...sessionTokens, valid, expired] };
    expect(workerLog, "the worker logs at debug level").toMatch(/job completed/);
    expect(responses.length).toBeGreaterThan(10);

    expectNoSecrets(
      [["app server log", appLog], ["worker log", workerLog], ["redis", redis.text], ...answers, ...responses],
      { ...SECRETS, ...Object.fromEntries(offlineTokens.map((t, i) => [`offline access token ${i + 1}`, t])) },
    );
  });

  // App Bridge session tokens are bearer credentials: any of them opens every route of
  // its shop until it expires (a minute, plus ten seconds of clock tolerance).
  it("leaves no App Bridge session token in the app server's log", () => {
    expect(captured, "the full run above did not complete").toBeDefined();
    const { appLog, sessionTokens } = captured!;
    expect(sessionTokens.length).toBeGreaterThan(3);
    const hits = findSecrets(Object.fromEntries(sessionTokens.map((t, i) => [`session token ${i + 1}`, t])), [["app server log", appLog]]);
    // One example per kind of line: the access log's request lines, each library message.
    const examples = new Map<string, string>();
    for (const hit of hits) {
      const line = hit.context.split("\n").find((l) => l.includes("<session token")) ?? hit.context;
      const kind = line.startsWith("[") ? line.slice(0, line.indexOf("|")) : line.split(" ")[0]!;
      if (!examples.has(kind)) examples.set(kind, line.slice(0, 260));
    }
    expect(hits.length, `session tokens in ${hits.length} places of the app server's log, e.g.:\n${[...examples.values()].join("\n")}`).toBe(0);
  });
});
