import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { API_SECRET, expectedHmac, header, startFakeApp, type RecordedRequest } from "./helpers";

const app = await startFakeApp();
const sim = await useSimulator({ products: 5, appUrl: app.url, apiSecret: API_SECRET });
// Nothing listens on port 9 (discard): an app that never answers.
const unreachable = await useSimulator({ products: 1, appUrl: "http://127.0.0.1:9", apiSecret: API_SECRET });

// Where shopify.app.toml subscribes each topic.
const PATHS: Record<string, string> = {
  "app/uninstalled": "/webhooks/app/uninstalled",
  "products/update": "/webhooks/products",
  "products/delete": "/webhooks/products",
  "bulk_operations/finish": "/webhooks/bulk_operations/finish",
  "app_purchases_one_time/update": "/webhooks/app_purchases_one_time/update",
  "customers/data_request": "/webhooks/compliance",
  "customers/redact": "/webhooks/compliance",
  "shop/redact": "/webhooks/compliance",
};

async function trigger(body: Record<string, unknown>) {
  const r = await fetch(`${sim.url}/__sim/webhooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as { status?: number; eventId?: string; error?: string } };
}

/** The single request the app received since `from` requests had been recorded. */
function received(from: number): RecordedRequest {
  expect(app.requests.length).toBe(from + 1);
  return app.requests[from]!;
}

describe("webhook delivery", () => {
  it("matches the subscriptions declared in shopify.app.toml", () => {
    const toml = readFileSync(path.resolve(import.meta.dirname, "../../shopify.app.toml"), "utf8");
    for (const [topic, uri] of Object.entries(PATHS)) {
      const block = toml.split("[[webhooks.subscriptions]]").find((b) => b.includes(`"${topic}"`));
      expect(block, topic).toContain(`uri = "${uri}"`);
    }
  });

  it.each(Object.entries(PATHS))("delivers %s to %s with Shopify's headers and a valid HMAC", async (topic, uri) => {
    const payload = { id: 8_000_000_001, admin_graphql_api_id: "gid://shopify/Product/8000000001", title: "Crème brûlée tee ✓ </script>", topic };
    const before = app.requests.length;
    const r = await trigger({ topic, shop: sim.shop, payload });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe(200);
    const hook = received(before);
    expect(hook.method).toBe("POST");
    expect(hook.path).toBe(uri);
    expect(header(hook, "Content-Type")).toMatch(/^application\/json/);
    expect(header(hook, "X-Shopify-Topic")).toBe(topic);
    expect(header(hook, "X-Shopify-Shop-Domain")).toBe(sim.shop);
    expect(header(hook, "X-Shopify-API-Version")).toBe("2026-01");
    expect(header(hook, "X-Shopify-Event-Id")).toBe(r.body.eventId);
    expect(header(hook, "X-Shopify-Webhook-Id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
    expect(header(hook, "X-Shopify-Hmac-Sha256")).not.toBe(expectedHmac(hook.raw, "another-secret"));
    expect(hook.json()).toEqual(payload);
  });

  it("signs the exact bytes sent, whatever the payload holds", async () => {
    const before = app.requests.length;
    const payload = { note: "naïve café — 日本語 😀", nested: { list: [1, 2.5, null, true], empty: {} }, slash: "a/b\\c\"d" };
    await trigger({ topic: "products/update", shop: sim.shop, payload });
    const hook = received(before);
    expect(hook.raw.toString("utf8")).toBe(JSON.stringify(payload));
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
    // A single changed byte no longer verifies.
    const tampered = Buffer.from(hook.raw);
    tampered[tampered.length - 2] ^= 1;
    expect(expectedHmac(tampered)).not.toBe(header(hook, "X-Shopify-Hmac-Sha256"));
  });

  it("keeps X-Shopify-Event-Id on redelivery and gives new events new ids", async () => {
    const before = app.requests.length;
    const payload = { id: 1 };
    const first = await trigger({ topic: "app/uninstalled", shop: sim.shop, payload, eventId: "evt-redelivered-1" });
    const again = await trigger({ topic: "app/uninstalled", shop: sim.shop, payload, eventId: "evt-redelivered-1" });
    const fresh = await trigger({ topic: "app/uninstalled", shop: sim.shop, payload });
    const other = await trigger({ topic: "app/uninstalled", shop: sim.shop, payload });
    expect([first.body.eventId, again.body.eventId]).toEqual(["evt-redelivered-1", "evt-redelivered-1"]);
    const hooks = app.requests.slice(before);
    expect(hooks.map((h) => header(h, "X-Shopify-Event-Id"))).toEqual(["evt-redelivered-1", "evt-redelivered-1", fresh.body.eventId, other.body.eventId]);
    expect(fresh.body.eventId).not.toBe(other.body.eventId);
    expect(fresh.body.eventId).not.toBe("evt-redelivered-1");
    expect(header(hooks[0]!, "X-Shopify-Hmac-Sha256")).toBe(header(hooks[1]!, "X-Shopify-Hmac-Sha256"));
  });

  it("delivers for the shop named, defaulting the payload to {}", async () => {
    const before = app.requests.length;
    await trigger({ topic: "shop/redact", shop: "another-shop.myshopify.com" });
    const hook = received(before);
    expect(header(hook, "X-Shopify-Shop-Domain")).toBe("another-shop.myshopify.com");
    expect(hook.raw.toString("utf8")).toBe("{}");
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
  });

  it("refuses unknown topics and incomplete or invalid requests with 400, delivering nothing", async () => {
    const before = app.requests.length;
    expect((await trigger({ topic: "orders/create", shop: sim.shop, payload: {} })).status).toBe(400);
    expect((await trigger({ topic: "products/update", payload: {} })).status).toBe(400);
    expect((await trigger({ shop: sim.shop, payload: {} })).status).toBe(400);
    expect((await trigger({ topic: "products/update", shop: "not a shop", payload: {} })).status).toBe(400);
    expect((await trigger({ topic: "products/update", shop: sim.shop, payload: {}, eventId: "" })).status).toBe(400);
    const malformed = await fetch(`${sim.url}/__sim/webhooks`, { method: "POST", body: "{nope" });
    expect(malformed.status).toBe(400);
    expect(app.requests.length).toBe(before);
  });

  it("reports an app that does not answer as a failed delivery (502)", async () => {
    const r = await fetch(`${unreachable.url}/__sim/webhooks`, { method: "POST", body: JSON.stringify({ topic: "app/uninstalled", shop: unreachable.shop, payload: {} }) });
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: string }).error).toContain("http://127.0.0.1:9");
  });
});
