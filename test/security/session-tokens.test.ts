import { afterAll, describe, expect, it } from "vitest";
import { authAnswer, invoke, leaks, shopSnapshot, signSessionToken, tamperPayload, toJson, unsignedCopy, useStripeStandIn, type AuthAnswer, type Outcome, type RouteFn } from "./harness";

// Requests without a valid App Bridge session token get shopify-app-remix's answer
// (401 for a fetch with a bad bearer token; a redirect to the login page, the bounce
// page or Shopify admin for a document request) and never the data of the shop they
// name. The session token's `dest` is the only shop a request acts for: a `shop`
// query parameter alone is never trusted.

process.env.BILLING_PROVIDER = "stripe";
await useStripeStandIn();

const { makeShop, useTestDb } = await import("../support/db");
const { storeOfflineSession } = await import("../support/shopify");
const { appEnv } = await import("~/env.server");
const { grantPurchase } = await import("~/services/credits/operations.server");
const { createShoot } = await import("~/services/shoots/create.server");
const { closeQueues } = await import("~/queues.server");
const { DEFAULT_CREDIT_PACKS } = await import("~/lib/credit-packs");
const routes = {
  home: await import("~/routes/app._index"),
  settings: await import("~/routes/app.settings"),
  shootStatus: await import("~/routes/api.shoots.$id"),
  checkout: await import("~/routes/api.billing.checkout-session"),
  ledgerCsv: await import("~/routes/app.credits.export"),
};
afterAll(() => closeQueues());

const h = useTestDb(4);
const env = appEnv();
const ADMIN = "https://admin.shopify.com";

async function shopWithData(label: string) {
  const shop = await makeShop(h, { label });
  await storeOfflineSession(h.prisma, shop.domain);
  await grantPurchase(h.prisma, shop.id, { credits: 25, key: `grant-${shop.id}` });
  const productId = "gid://shopify/Product/77";
  await h.prisma.asset.create({
    data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${crypto.randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n },
  });
  const shoot = await createShoot(h.prisma, shop.id, {
    clientKey: crypto.randomUUID(),
    productIds: [productId],
    options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    name: `Shoot of ${label}`,
  });
  return { id: shop.id, domain: shop.domain, batchId: shoot.batchId, jobId: shoot.jobIds[0]! };
}

// A: the shop whose data the requests are after. B: another installed shop.
const A = await shopWithData("token-victim");
const B = await shopWithData("token-other");
const markersOfA = [A.id, A.domain, A.batchId, A.jobId, `Shoot of token-victim`];

const token = (p: Partial<Parameters<typeof signSessionToken>[0]> = {}) =>
  signSessionToken({ shop: A.domain, apiKey: env.SHOPIFY_API_KEY, secret: env.SHOPIFY_API_SECRET, ...p });
const now = () => Math.floor(Date.now() / 1000);
const hostOf = (domain: string) => Buffer.from(`admin.shopify.com/store/${domain.replace(".myshopify.com", "")}`).toString("base64");

// ------------------------------------------------------------------ the routes

interface Target {
  name: string;
  fn: RouteFn;
  path: string;
  params?: Record<string, string>;
  method: "GET" | "POST";
  body?: () => { body: string; contentType: string };
  /** What a valid token for `shop` gets: that shop's data (checked by the control). */
  own: (o: Outcome, shop: typeof A) => void | Promise<void>;
}

const json = (o: Outcome) => JSON.parse(o.body) as Record<string, unknown>;

const targets: Target[] = [
  {
    name: "a page loader (home)",
    fn: routes.home.loader as RouteFn,
    path: "/app",
    method: "GET",
    own: (o, shop) => {
      expect(o.status).toBe(200);
      expect(json(o)).toMatchObject({ shopName: shop.domain, balance: 24 });
    },
  },
  {
    name: "an action (settings)",
    fn: routes.settings.action as RouteFn,
    path: "/app/settings",
    method: "POST",
    body: () => ({
      body: new URLSearchParams({ aiDisclosure: "false", autoPublish: "true", publishPosition: "featured", attachVariants: "true" }).toString(),
      contentType: "application/x-www-form-urlencoded",
    }),
    own: async (o, shop) => {
      expect(o.status).toBe(200);
      const row = await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
      expect(row.settings).toMatchObject({ autoPublish: true, publishPosition: "featured" });
    },
  },
  {
    name: "a JSON API (api/shoots/:id, A's shoot)",
    fn: routes.shootStatus.loader as RouteFn,
    path: `/api/shoots/${A.batchId}`,
    params: { id: A.batchId },
    method: "GET",
    own: (o, shop) => {
      // A's shoot: A sees it, anyone else gets the 404 of a missing one.
      if (shop.id !== A.id) return expect(o.status).toBe(404);
      expect(o.status).toBe(200);
      expect(json(o)).toMatchObject({ batch_id: A.batchId, jobs: [{ job_id: A.jobId }] });
    },
  },
  {
    name: "a JSON action (api/billing/checkout-session)",
    fn: routes.checkout.action as RouteFn,
    path: "/api/billing/checkout-session",
    method: "POST",
    body: () => ({ body: JSON.stringify({ pack_id: DEFAULT_CREDIT_PACKS[0]!.id, shop: A.domain, shop_id: A.id }), contentType: "application/json" }),
    own: async (o, shop) => {
      expect(o.status).toBe(200);
      const purchase = await h.prisma.appPurchase.findUniqueOrThrow({ where: { stripeSessionId: json(o).session_id as string } });
      expect(purchase.shopId).toBe(shop.id);
    },
  },
  {
    name: "a file download (ledger CSV)",
    fn: routes.ledgerCsv.loader as RouteFn,
    path: "/app/credits/export",
    method: "GET",
    own: (o, shop) => {
      expect(o.status).toBe(200);
      expect(o.body).toContain(`batch:${shop.batchId}`);
    },
  },
];

// ------------------------------------------------------------------ the requests

interface Attempt {
  name: string;
  /** Query added to the route's path. */
  query?: Record<string, string>;
  /** The Authorization header's bearer token, if any. */
  bearer?: () => Promise<string>;
  expect: AuthAnswer;
}

const otherSecret = "another-apps-secret-0123456789abcdef";
const documentQuery = (extra: Record<string, string> = {}) => ({ shop: A.domain, host: hostOf(A.domain), embedded: "1", ...extra });

const refused: Attempt[] = [
  { name: "no session token at all", expect: "login" },
  { name: "an expired token", bearer: () => token({ iat: now() - 600, nbf: now() - 600, exp: now() - 120 }), expect: "401" },
  { name: "a token not valid yet", bearer: () => token({ iat: now() + 120, nbf: now() + 120, exp: now() + 180 }), expect: "401" },
  { name: "a token for another app (aud)", bearer: () => token({ aud: "someone-elses-api-key" }), expect: "401" },
  { name: "a token signed with another secret", bearer: () => token({ secret: otherSecret }), expect: "401" },
  {
    name: "B's token with its dest changed to A (signature kept)",
    bearer: async () => tamperPayload(await token({ shop: B.domain }), { dest: `https://${A.domain}`, iss: `https://${A.domain}/admin` }),
    expect: "401",
  },
  { name: "an unsigned token (alg none)", bearer: async () => unsignedCopy(await token()), expect: "401" },
  { name: "a bearer that is not a JWT", bearer: async () => A.domain, expect: "401" },
  { name: "only ?shop=A", query: { shop: A.domain }, expect: "login" },
  { name: "?shop=A with a host, outside the admin", query: { shop: A.domain, host: hostOf(A.domain) }, expect: "admin" },
  { name: "?shop=A&embedded=1 without a token", query: documentQuery(), expect: "bounce" },
  { name: "?shop=A&embedded=1 with an id_token signed with another secret", query: documentQuery({ id_token: "" }), bearer: undefined, expect: "bounce" },
  { name: "?shop=A&embedded=1 with an expired id_token", query: documentQuery({ id_token: "" }), expect: "bounce" },
];

// id_token values are made per request (they must be current when they are not meant to be expired).
async function idTokenFor(attempt: Attempt): Promise<string | undefined> {
  if (!attempt.query || !("id_token" in attempt.query)) return undefined;
  if (attempt.name.includes("another secret")) return token({ secret: otherSecret });
  return token({ iat: now() - 600, nbf: now() - 600, exp: now() - 120 });
}

async function send(target: Target, p: { query?: Record<string, string>; bearer?: string; idToken?: string }): Promise<{ outcome: Outcome; sent: string }> {
  const url = new URL(target.path, env.SHOPIFY_APP_URL);
  for (const [k, v] of Object.entries(p.query ?? {})) url.searchParams.set(k, k === "id_token" ? (p.idToken ?? v) : v);
  const headers = new Headers();
  if (p.bearer !== undefined) headers.set("Authorization", `Bearer ${p.bearer}`);
  const body = target.body?.();
  if (body) headers.set("Content-Type", body.contentType);
  const request = new Request(url, { method: target.method, headers, body: body?.body });
  const outcome = await invoke(target.fn, { request, params: target.params ?? {}, context: {} });
  return { outcome, sent: `${url}\n${body?.body ?? ""}` };
}

const snapshots = async () => [await shopSnapshot(h.prisma, A.id), await shopSnapshot(h.prisma, B.id)];

describe.each(targets.map((t) => [t.name, t] as const))("%s", (_name, target) => {
  it.each(refused.map((a) => [a.name, a] as const))("refuses %s", async (_attempt, attempt) => {
    const before = await snapshots();
    const { outcome, sent } = await send(target, { query: attempt.query, bearer: await attempt.bearer?.(), idToken: await idTokenFor(attempt) });
    expect(authAnswer(outcome, { appUrl: env.SHOPIFY_APP_URL, adminOrigins: [ADMIN] }), outcome.text.slice(0, 500)).toBe(attempt.expect);
    expect(leaks(outcome.text, markersOfA.filter((m) => !sent.includes(m)))).toEqual([]);
    expect(toJson(await snapshots())).toBe(toJson(before));
  });

  it("answers a token whose dest is B for B, whatever shop the query names", async () => {
    const beforeA = await shopSnapshot(h.prisma, A.id);
    const { outcome, sent } = await send(target, { query: { shop: A.domain, host: hostOf(A.domain), embedded: "1" }, bearer: await token({ shop: B.domain }) });
    expect(leaks(outcome.text, markersOfA.filter((m) => !sent.includes(m)))).toEqual([]);
    await target.own(outcome, B);
    expect(await shopSnapshot(h.prisma, A.id)).toEqual(beforeA);
    // The same with the token in the query (a document request inside the admin).
    const page = await send(target, { query: documentQuery({ id_token: "" }), idToken: await token({ shop: B.domain }) });
    expect(leaks(page.outcome.text, markersOfA.filter((m) => !page.sent.includes(m)))).toEqual([]);
    await target.own(page.outcome, B);
    expect(await shopSnapshot(h.prisma, A.id)).toEqual(beforeA);
  });

  it("answers A's own valid token with A's data (control)", async () => {
    const { outcome } = await send(target, { bearer: await token() });
    await target.own(outcome, A);
  });
});
