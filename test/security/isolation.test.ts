import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { invoke, leaks, loadRouteModules, routeFilesOnDisk, shopSnapshot, useStripeStandIn, type Outcome, type RouteFn } from "./harness";

// Shop B, signed in with a valid session token, sends every route that takes an id
// (path, form field, JSON body or query) shop A's real ids, and names shop A in the
// query and body besides. Every answer must be a 404 (or the route's "nothing here"),
// carry nothing of shop A's, and leave every row of shop A exactly as it was.
// A route file the sweep does not know fails the test: add it to the sweep.

const storageRoot = mkdtempSync(path.join(tmpdir(), "atelier-security-isolation-"));
afterAll(() => rmSync(storageRoot, { recursive: true, force: true }));
process.env.LOCAL_STORAGE_DIR = storageRoot;
// Stripe billing, so the JSON checkout endpoint and the buy action do real work.
process.env.BILLING_PROVIDER = "stripe";
const stand = await useStripeStandIn();
const sim = await useSimulator({ products: 4 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;

// The app reads its env once: everything of the app is imported after the lines above.
const { makeShop, useTestDb } = await import("../support/db");
const { embeddedRequest, storeOfflineSession } = await import("../support/shopify");
const { finishedPhoto, outputImage } = await import("../support/outputs");
const { storage } = await import("~/storage.server");
const { closeQueues } = await import("~/queues.server");
const { DEFAULT_CREDIT_PACKS } = await import("~/lib/credit-packs");
const { adminAppUrl } = await import("~/lib/admin-url.server");
const { grantPurchase } = await import("~/services/credits/operations.server");
const { createShoot } = await import("~/services/shoots/create.server");
const { failJob } = await import("~/services/shoots/job-state.server");
const { requestPublish } = await import("~/services/publish/requests.server");
const { saveLook } = await import("~/services/shoots/looks.server");
const { createImportRun } = await import("~/services/catalog/import.server");
const { savePublishSettings } = await import("~/services/shops.server");
const { setAltText } = await import("~/services/review/review.server");
const { startShopifyPurchase } = await import("~/services/billing/shopify-billing.server");
const { createAdminGraphQL } = await import("~/services/shopify/admin-graphql.server");
const routes = await loadRouteModules();
afterAll(() => closeQueues());

const h = useTestDb(6);
const pack = DEFAULT_CREDIT_PACKS[0]!;
const gid = (n: number) => `gid://shopify/Product/${n}`;
const OPTIONS = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } as const;
/** The new-shoot form's fields for OPTIONS. */
const OPTION_FIELDS: [string, string][] = [...Object.entries(OPTIONS), ["aspectRatio", "3:4"], ["variations", "1"]];

function route(id: string, kind: "loader" | "action"): RouteFn {
  const fn = routes.get(id)?.[kind];
  if (!fn) throw new Error(`route ${id} has no ${kind}`);
  return fn;
}

async function connectedShop(label: string) {
  const shop = await makeShop(h, { label });
  const accessToken = await sim.accessToken(shop.domain);
  await storeOfflineSession(h.prisma, shop.domain);
  await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken } });
  return { id: shop.id, domain: shop.domain, accessToken };
}

// ------------------------------------------------------------------ the two shops

const A = await connectedShop("victim");
const B = await connectedShop("intruder");
// The simulated shops number their products alike. One number both shops have (a
// collision: B sees its own product, never A's photos of it), and one only A has.
const [sharedNumber, aOnlyNumber] = [...sim.runtime.state.shop(A.domain).products.keys()] as [number, number];
sim.runtime.state.shop(B.domain).products.delete(aOnlyNumber);
const VICTIM_ALT = "Victim alt text 5e1f3c";
const VICTIM_LOOK = "Victim look 5e1f3c";
const VICTIM_SHOOT_KEY = "victim-shoot-key-5e1f3c";
const VICTIM_CLIENT_KEY = "victim-client-key-5e1f3c";

// Shop A: a finished shoot of its own product (one photo approved, published and with
// edited alt text, one new that passed the check), an approved photo of the shared
// product number, a shoot in progress with a failed photo, credits, a look, an import
// run, custom settings, a paid Stripe Checkout and an approved Shopify purchase, both
// not yet credited (a wrongly scoped return page would credit them).
await grantPurchase(h.prisma, A.id, { credits: 40, key: `victim-grant-${A.id}` });
const aPhoto = await finishedPhoto(h, storage(), { shopId: A.id, productId: gid(aOnlyNumber), reviewState: "approved" });
const aPassed = await finishedPhoto(h, storage(), { shopId: A.id, productId: gid(aOnlyNumber), batchId: aPhoto.batchId, reviewState: "new", variation: 2 });
const aShared = await finishedPhoto(h, storage(), { shopId: A.id, productId: gid(sharedNumber), reviewState: "approved" });
await setAltText(h.prisma, A.id, aPhoto.jobId, VICTIM_ALT);
const [aPublication] = await requestPublish(h.prisma, A.id, [aPhoto.jobId], { position: "append", attachVariants: false });
await h.prisma.publication.update({ where: { id: aPublication! }, data: { status: "ready", mediaId: "gid://shopify/MediaImage/424242", publishedAt: new Date() } });
const aLive = await createShoot(h.prisma, A.id, { clientKey: VICTIM_SHOOT_KEY, productIds: [gid(aOnlyNumber), gid(sharedNumber)], options: OPTIONS, name: "Victim shoot" });
await failJob(h.prisma, A.id, aLive.jobIds[1]!, { code: "provider_error", message: "Victim failure 5e1f3c" });
await saveLook(h.prisma, A.id, { name: VICTIM_LOOK, options: OPTIONS });
const aDraftId = (await h.prisma.watcherDraft.create({ data: { shopId: A.id, productId: "gid://shopify/Product/8000000001", mediaId: "gid://shopify/MediaImage/424242" } })).id;
const aRun = await createImportRun(h.prisma, A.id, { productIds: [gid(aOnlyNumber)] });
await savePublishSettings(h.prisma, A.id, { aiDisclosure: false, autoPublish: true, publishPosition: "featured", attachVariants: true });

const aCheckout = await invoke(route("api.billing.checkout-session", "action"), {
  request: await embeddedRequest(A.domain, "/api/billing/checkout-session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ pack_id: pack.id, client_key: VICTIM_CLIENT_KEY }),
  }),
  params: {},
  context: {},
});
if (aCheckout.status !== 200) throw new Error(`fixture: A's checkout failed: ${aCheckout.text}`);
const aStripe = JSON.parse(aCheckout.body) as { checkout_url: string; session_id: string };
stand.control.completeSession(aStripe.session_id, "paid");
const aShopifyPurchase = await startShopifyPurchase(h.prisma, createAdminGraphQL({ shop: A.domain, accessToken: A.accessToken }), A.id, pack, {
  returnUrl: adminAppUrl(A.domain, "/app/credits?provider=shopify"),
  test: true,
});
const approved = await fetch(`${aShopifyPurchase.confirmationUrl}?decision=approve`, { method: "POST", redirect: "manual" });
if (approved.status !== 303) throw new Error(`fixture: approving A's Shopify purchase answered ${approved.status}`);
const aChargeNumber = (await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: aShopifyPurchase.purchaseId } })).shopifyPurchaseId!.split("/").pop()!;
const aLedgerSeq = (await h.prisma.creditLedgerEntry.findFirstOrThrow({ where: { shopId: A.id }, orderBy: { seq: "desc" } })).seq;

// Shop B: an approved photo of the shared product number in a shoot of its own, credits.
await grantPurchase(h.prisma, B.id, { credits: 40, key: `intruder-grant-${B.id}` });
const bPhoto = await finishedPhoto(h, storage(), { shopId: B.id, productId: gid(sharedNumber), reviewState: "approved" });
// The source photos' bytes (finishedPhoto records them only), so pages can sign them.
for (const input of await h.prisma.asset.findMany({ where: { shopId: { in: [A.id, B.id] }, kind: "upload" } })) {
  await storage().put("uploads", input.path, await outputImage("#aa8866"), { contentType: "image/jpeg", upsert: true });
}

/** Everything of A's that must never reach B: ids, storage paths, names, URLs. */
async function victimMarkers(): Promise<string[]> {
  const [jobs, batches, assets, publications, purchases, looks, runs, ledger, customer] = await Promise.all([
    h.prisma.generationJob.findMany({ where: { shopId: A.id } }),
    h.prisma.generationBatch.findMany({ where: { shopId: A.id } }),
    h.prisma.asset.findMany({ where: { shopId: A.id } }),
    h.prisma.publication.findMany({ where: { shopId: A.id } }),
    h.prisma.appPurchase.findMany({ where: { shopId: A.id } }),
    h.prisma.look.findMany({ where: { shopId: A.id } }),
    h.prisma.importRun.findMany({ where: { shopId: A.id } }),
    h.prisma.creditLedgerEntry.findMany({ where: { shopId: A.id } }),
    h.prisma.stripeCustomer.findUnique({ where: { shopId: A.id } }),
  ]);
  return [
    A.id,
    A.domain,
    A.accessToken,
    VICTIM_ALT,
    VICTIM_LOOK,
    "Victim shoot",
    "Victim failure 5e1f3c",
    ...jobs.map((j) => j.id),
    ...batches.map((b) => b.id),
    ...assets.flatMap((a) => [a.id, a.path]),
    ...publications.flatMap((p) => [p.id, p.mediaId ?? ""]),
    ...purchases.flatMap((p) => [p.id, p.stripeSessionId ?? "", p.shopifyPurchaseId ?? "", p.confirmationUrl ?? ""]),
    ...looks.map((l) => l.id),
    ...runs.map((r) => r.id),
    ...ledger.flatMap((e) => [e.id, e.idempotencyKey]),
    customer?.stripeCustomerId ?? "",
  ].filter(Boolean);
}
const markers = await victimMarkers();

// ------------------------------------------------------------------ the sweep

/** What B must get: a 404, any refusal (400–404), or an answer about B's own data. */
type Expectation = "not-found" | "refused" | "own";

interface Attack {
  route: string;
  kind: "loader" | "action";
  name: string;
  path: string;
  params?: Record<string, string>;
  form?: [string, string][];
  json?: Record<string, unknown>;
  multipart?: () => Promise<FormData>;
  expect: Expectation;
  /** More about the answer, for answers about B's own data. */
  check?: (o: Outcome) => void | Promise<void>;
}

// Every request also names shop A where a route might read a shop from: the query and the body.
const NAMING_A: [string, string][] = [
  ["shop", A.domain],
  ["shopId", A.id],
  ["shop_id", A.id],
];
const withVictimQuery = (p: string) => `${p}${p.includes("?") ? "&" : "?"}${new URLSearchParams(NAMING_A)}`;

const reviewIntents = (jobId: string): [string, [string, string][]][] =>
  (
    [
      ["approve", [["intent", "approve"], ["ids", jobId]]],
      ["reject", [["intent", "reject"], ["ids", jobId]]],
      ["alt", [["intent", "alt"], ["jobId", jobId], ["alt", "Written by another shop"]]],
      ["regenerate", [["intent", "regenerate"], ["jobId", jobId]]],
      ["unpublish", [["intent", "unpublish"], ["ids", jobId]]],
    ] as [string, [string, string][]][]
  ).map(([name, form]) => [`${name} ${jobId.slice(0, 8)}`, form]);
const scopeIntents: [string, [string, string][]][] = [
  ["approve-passed", [["intent", "approve-passed"]]],
  ["publish", [["intent", "publish"], ["position", "featured"], ["attachVariants", "true"]]],
  ["rollback", [["intent", "rollback"]]],
];
const shootIntents = (batchId: string): [string, [string, string][]][] => {
  const intents: [string, [string, string][]][] = [
    ["cancel", [["intent", "cancel"]]],
    ["retry-failed", [["intent", "retry-failed"], ["clientKey", "intruder-retry-0001"]]],
    ...reviewIntents(aPhoto.jobId),
    ...reviewIntents(aPassed.jobId),
    ...scopeIntents,
  ];
  return intents.map(([name, fields]) => [`${name} (shoot ${batchId.slice(0, 8)})`, fields]);
};

async function ownedByB(table: "generationBatch", id: string): Promise<boolean> {
  return (await h.prisma[table].findUnique({ where: { id } }))?.shopId === B.id;
}

function json(o: Outcome): Record<string, unknown> {
  return JSON.parse(o.body) as Record<string, unknown>;
}

const aLookId = (await h.prisma.look.findFirstOrThrow({ where: { shopId: A.id } })).id;
const attacks: Attack[] = [
  // JSON status API: A's shoots, and A's other ids where a shoot id goes.
  ...[aPhoto.batchId, aLive.batchId, aPhoto.jobId, aPublication!, aPhoto.output.id].map(
    (id): Attack => ({ route: "api.shoots.$id", kind: "loader", name: `A's id ${id.slice(0, 8)}`, path: `/api/shoots/${id}`, params: { id }, expect: "not-found" }),
  ),

  // The shoot page and its live updates.
  ...[aPhoto.batchId, aLive.batchId].map(
    (batchId): Attack => ({ route: "app.shoots.$batchId", kind: "loader", name: `A's shoot ${batchId.slice(0, 8)}`, path: `/app/shoots/${batchId}?filter=all`, params: { batchId }, expect: "not-found" }),
  ),
  ...[aPhoto.batchId, aLive.batchId].map(
    (batchId): Attack => ({ route: "app.shoots.$batchId.events", kind: "loader", name: `A's shoot ${batchId.slice(0, 8)}`, path: `/app/shoots/${batchId}/events`, params: { batchId }, expect: "not-found" }),
  ),
  // Every shoot action on A's shoots…
  ...[aPhoto.batchId, aLive.batchId].flatMap((batchId) =>
    shootIntents(batchId).map(([name, form]): Attack => ({ route: "app.shoots.$batchId", kind: "action", name, path: `/app/shoots/${batchId}`, params: { batchId }, form, expect: "not-found" })),
  ),
  // …and A's photos and publication in B's own shoot.
  ...[...reviewIntents(aPhoto.jobId), ...reviewIntents(aPassed.jobId), ...reviewIntents(aShared.jobId)].map(
    ([name, form]): Attack => ({ route: "app.shoots.$batchId", kind: "action", name: `${name} of A's photo in B's shoot`, path: `/app/shoots/${bPhoto.batchId}`, params: { batchId: bPhoto.batchId }, form, expect: "not-found" }),
  ),
  {
    route: "app.shoots.$batchId",
    kind: "action",
    name: "approve B's and A's photo together in B's shoot",
    path: `/app/shoots/${bPhoto.batchId}`,
    params: { batchId: bPhoto.batchId },
    form: [["intent", "approve"], ["ids", bPhoto.jobId], ["ids", aPhoto.jobId]],
    expect: "not-found",
  },
  {
    route: "app.shoots.$batchId",
    kind: "action",
    name: "unpublish A's publication id in B's shoot",
    path: `/app/shoots/${bPhoto.batchId}`,
    params: { batchId: bPhoto.batchId },
    form: [["intent", "unpublish"], ["ids", aPublication!]],
    expect: "not-found",
  },

  // The product page: A's product, and the number both shops have.
  { route: "app.catalog.$productId", kind: "loader", name: "A's product", path: `/app/catalog/${aOnlyNumber}`, params: { productId: String(aOnlyNumber) }, expect: "not-found" },
  {
    route: "app.catalog.$productId",
    kind: "loader",
    name: "a product number both shops have shows B only B's photos",
    path: `/app/catalog/${sharedNumber}`,
    params: { productId: String(sharedNumber) },
    expect: "own",
    check: (o) => {
      expect(o.status).toBe(200);
      const photos = (json(o).review as { photos: { id: string }[] }).photos.map((p) => p.id);
      expect(photos).toEqual([bPhoto.jobId]);
    },
  },
  ...reviewIntents(aPhoto.jobId).map(
    ([name, form]): Attack => ({ route: "app.catalog.$productId", kind: "action", name: `${name} on A's product`, path: `/app/catalog/${aOnlyNumber}`, params: { productId: String(aOnlyNumber) }, form, expect: "not-found" }),
  ),
  ...scopeIntents.map(
    ([name, form]): Attack => ({ route: "app.catalog.$productId", kind: "action", name: `${name} on A's product`, path: `/app/catalog/${aOnlyNumber}`, params: { productId: String(aOnlyNumber) }, form, expect: "refused" }),
  ),
  ...reviewIntents(aShared.jobId).map(
    ([name, form]): Attack => ({ route: "app.catalog.$productId", kind: "action", name: `${name} of A's photo on the shared product number`, path: `/app/catalog/${sharedNumber}`, params: { productId: String(sharedNumber) }, form, expect: "not-found" }),
  ),
  // Publishing everything approved on the shared number publishes B's photo, never A's.
  ...scopeIntents.map(
    ([name, form]): Attack => ({ route: "app.catalog.$productId", kind: "action", name: `${name} on the shared product number`, path: `/app/catalog/${sharedNumber}`, params: { productId: String(sharedNumber) }, form, expect: "own" }),
  ),
  // Catalog: B's list and B's import runs only.
  {
    route: "app.catalog._index",
    kind: "loader",
    name: "catalog naming A",
    path: "/app/catalog",
    expect: "own",
    check: (o) => {
      expect(o.status).toBe(200);
      expect((json(o).lastRun as { id: string } | null)?.id).not.toBe(aRun.id);
    },
  },
  ...[
    ["import A's product", [["intent", "import"], ["productId", gid(aOnlyNumber)]]],
    ["import the whole catalog naming A", [["intent", "import"], ["wholeCatalog", "1"]]],
  ].map(([name, form]): Attack => ({ route: "app.catalog._index", kind: "action", name: name as string, path: "/app/catalog", form: form as [string, string][], expect: "own" })),

  // New shoot: A's products show no photo of A's; A's client key does not replay A's shoot.
  {
    route: "app.shoots.new",
    kind: "loader",
    name: "preview of A's products",
    path: `/app/shoots/new?products=${aOnlyNumber},${sharedNumber}`,
    expect: "own",
    check: (o) => {
      expect(o.status).toBe(200);
      const data = json(o) as { missingProductIds: string[]; preview: { id: string; url: string | null }[] };
      expect(data.missingProductIds).toEqual([gid(aOnlyNumber)]);
      expect(data.preview.find((p) => p.id === gid(aOnlyNumber))?.url).toBeNull();
    },
  },
  {
    route: "app.shoots.new",
    kind: "action",
    name: "a shoot with A's client key is a new shoot of B's",
    path: "/app/shoots/new",
    form: [["clientKey", VICTIM_SHOOT_KEY], ["productIds", gid(sharedNumber)], ...OPTION_FIELDS],
    expect: "own",
    check: async (o) => {
      expect([302, 303], o.text).toContain(o.status);
      const batchId = /\/app\/shoots\/([0-9a-f-]{36})$/.exec(o.location ?? "")?.[1];
      expect(batchId && (await ownedByB("generationBatch", batchId))).toBe(true);
    },
  },
  {
    route: "app.shoots.new",
    kind: "action",
    name: "a shoot of A's product",
    path: "/app/shoots/new",
    form: [["clientKey", "intruder-shoot-0002"], ["productIds", gid(aOnlyNumber)], ...OPTION_FIELDS],
    expect: "refused",
  },
  {
    route: "app.shoots.new",
    kind: "action",
    name: "import-missing of A's product",
    path: "/app/shoots/new",
    form: [["intent", "import-missing"], ["productIds", gid(aOnlyNumber)]],
    expect: "own",
  },
  {
    route: "app.shoots.new",
    kind: "action",
    name: "save-look under A's look's name",
    path: "/app/shoots/new",
    form: [["intent", "save-look"], ["lookName", VICTIM_LOOK], ...OPTION_FIELDS],
    expect: "own",
    // B now has a look of its own with that name; removed so later pages listing B's
    // looks are not mistaken for showing A's.
    check: async () => {
      await h.prisma.look.deleteMany({ where: { shopId: B.id, name: VICTIM_LOOK } });
    },
  },

  // Credits: A's purchases on the return page, A's ledger cursor, A's checkout key.
  ...[
    ["A's Shopify charge id", `charge_id=${aChargeNumber}`],
    ["A's paid Stripe session", `session_id=${aStripe.session_id}`],
    ["A's ledger cursor", `before=${aLedgerSeq + 1n}`],
  ].map(
    ([name, query]): Attack => ({
      route: "app.credits",
      kind: "loader",
      name: name!,
      path: `/app/credits?${query}`,
      expect: "own",
      check: (o) => {
        expect(o.status).toBe(200);
        const data = json(o) as { returned: { message: string } | null; entries: unknown[] };
        if (!query!.startsWith("before")) expect(data.returned?.message).toBe("That purchase was not found.");
      },
    }),
  ),
  {
    route: "app.credits",
    kind: "action",
    name: "buy with A's checkout client key",
    path: "/app/credits",
    form: [["intent", "buy"], ["packId", pack.id], ["clientKey", VICTIM_CLIENT_KEY]],
    expect: "own",
    check: (o) => {
      expect(o.status).toBe(200);
      expect(json(o).redirectTo).not.toBe(aStripe.checkout_url);
    },
  },
  { route: "app.credits.export", kind: "loader", name: "ledger CSV naming A", path: "/app/credits/export", expect: "own" },
  {
    route: "api.billing.checkout-session",
    kind: "action",
    name: "checkout with A's client key, naming A in the body",
    path: "/api/billing/checkout-session",
    json: { pack_id: pack.id, client_key: VICTIM_CLIENT_KEY },
    expect: "own",
    check: async (o) => {
      expect(o.status).toBe(200);
      const { session_id } = json(o) as { session_id: string };
      expect((await h.prisma.appPurchase.findUniqueOrThrow({ where: { stripeSessionId: session_id } })).shopId).toBe(B.id);
    },
  },
  {
    route: "api.billing.checkout-session",
    kind: "action",
    name: "checkout returning to A's admin",
    path: "/api/billing/checkout-session",
    json: { pack_id: pack.id, success_url: adminAppUrl(A.domain, "/app/credits") },
    expect: "refused",
  },

  // Pages without ids: named shop A in the query and body, they answer about B.
  {
    route: "app._index",
    kind: "loader",
    name: "home naming A",
    path: "/app",
    expect: "own",
    check: (o) => expect(json(o).shopName).toBe(B.domain),
  },
  { route: "app.shoots._index", kind: "loader", name: "shoots naming A", path: "/app/shoots", expect: "own", check: (o) => expect((json(o).shoots as { id: string }[]).map((s) => s.id)).not.toContain(aPhoto.batchId) },
  {
    route: "app.shoots._index",
    kind: "action",
    name: "approve A's watcher draft",
    path: "/app/shoots",
    form: [["intent", "approve-draft"], ["draftId", aDraftId]],
    expect: "not-found",
  },
  { route: "app.settings", kind: "loader", name: "settings naming A", path: "/app/settings", expect: "own", check: (o) => expect(json(o).domain).toBe(B.domain) },
  {
    route: "app.settings",
    kind: "action",
    name: "save settings naming A",
    path: "/app/settings",
    form: [["aiDisclosure", "true"], ["autoPublish", "false"], ["publishPosition", "append"], ["attachVariants", "false"]],
    expect: "own",
    check: (o) => expect(json(o).ok).toBe(true),
  },
  { route: "app", kind: "loader", name: "the embedded app's layout naming A", path: "/app", expect: "own" },

  // The operators' area: a merchant (no user_roles row) gets the same 404 as a missing
  // page, whatever of A's it names: A's failed job to refund and retry, the queues.
  { route: "ops", kind: "loader", name: "the operators' layout", path: "/ops", expect: "not-found" },
  { route: "ops._index", kind: "loader", name: "the operators' board", path: "/ops", expect: "not-found" },
  {
    route: "ops._index",
    kind: "action",
    name: "refund and retry A's failed job",
    path: "/ops",
    form: [["intent", "refund-and-retry"], ["jobId", aLive.jobIds[1]!]],
    expect: "not-found",
  },
  ...(["loader", "action"] as const).map(
    (kind): Attack => ({ route: "ops.queues.$", kind, name: "the queue dashboard's API", path: "/ops/queues/api/queues", params: { "*": "api/queues" }, expect: "not-found" }),
  ),

  // The admin extensions' JSON API, with A's products, look and client key.
  {
    route: "api.extensions.shoot-quote",
    kind: "loader",
    name: "quote A's products: B's own photos and balance only",
    path: `/api/extensions/shoot-quote?productIds=${gid(aOnlyNumber)},${gid(sharedNumber)}`,
    expect: "own",
    check: (o) => {
      expect(o.status).toBe(200);
      const body = json(o) as { products: { id: string; has_photo: boolean }[]; looks: unknown[] };
      expect(body.products.map((p) => [p.id, p.has_photo])).toEqual([
        [gid(aOnlyNumber), false],
        [gid(sharedNumber), true],
      ]);
      expect(body.looks).toEqual([]);
    },
  },
  { route: "api.extensions.shoot-quote", kind: "loader", name: "quote with A's look", path: `/api/extensions/shoot-quote?productIds=${gid(sharedNumber)}&lookId=${aLookId}`, expect: "not-found" },
  {
    route: "api.extensions.shoots",
    kind: "action",
    name: "shoot A's product: it has no photo in B's shop",
    path: "/api/extensions/shoots",
    json: { clientKey: "intruder-ext-key-0001", productIds: [gid(aOnlyNumber)], options: OPTIONS },
    expect: "refused",
  },
  {
    route: "api.extensions.shoots",
    kind: "action",
    name: "shoot with A's look",
    path: "/api/extensions/shoots",
    json: { clientKey: "intruder-ext-key-0002", productIds: [gid(sharedNumber)], lookId: aLookId },
    expect: "not-found",
  },
  {
    route: "api.extensions.shoots",
    kind: "action",
    name: "A's client key makes B's own shoot, never a replay of A's",
    path: "/api/extensions/shoots",
    json: { clientKey: VICTIM_SHOOT_KEY, productIds: [gid(sharedNumber)], options: OPTIONS },
    expect: "own",
    check: async (o) => {
      // 200 when an earlier attack already made B's shoot with this key: a replay of B's own.
      expect([200, 201]).toContain(o.status);
      const batchId = json(o).batch_id as string;
      expect(batchId).not.toBe(aLive.batchId);
      expect(await ownedByB("generationBatch", batchId)).toBe(true);
    },
  },
  { route: "api.extensions.shoots", kind: "loader", name: "GET is the wrong method", path: "/api/extensions/shoots", expect: "own", check: (o) => expect(o.status).toBe(405) },
  {
    route: "api.extensions.imports",
    kind: "action",
    name: "import A's product: an import run of B's",
    path: "/api/extensions/imports",
    json: { productIds: [gid(aOnlyNumber)] },
    expect: "own",
    check: async (o) => {
      expect(o.status).toBe(202);
      expect((await h.prisma.importRun.findUniqueOrThrow({ where: { id: json(o).import_run_id as string } })).shopId).toBe(B.id);
    },
  },
  { route: "api.extensions.imports", kind: "loader", name: "GET is the wrong method", path: "/api/extensions/imports", expect: "own", check: (o) => expect(o.status).toBe(405) },
  ...[
    [aOnlyNumber, []],
    [sharedNumber, [bPhoto.jobId]],
  ].map(
    ([n, own]): Attack => ({
      route: "api.extensions.product-outputs",
      kind: "loader",
      name: `photos of product ${n}: B's own only`,
      path: `/api/extensions/product-outputs?productId=${gid(n as number)}`,
      expect: "own",
      check: (o) => expect((json(o).outputs as { job_id: string }[]).map((x) => x.job_id)).toEqual(own),
    }),
  ),
  // Files: A's object by path, with B's session and without a signature of A's.
  {
    route: "storage.$bucket.$",
    kind: "loader",
    name: "A's output by path with B's session",
    path: `/storage/outputs/${aPhoto.output.path}`,
    params: { bucket: "outputs", "*": aPhoto.output.path },
    expect: "refused",
  },
  // Last: B's own photo of that product number would let B shoot it (B's credits, B's folder).
  {
    route: "app.catalog.$productId.upload",
    kind: "action",
    name: "a photo for A's product is B's, under B's folder",
    path: `/app/catalog/${aOnlyNumber}/upload`,
    params: { productId: String(aOnlyNumber) },
    multipart: async () => {
      const form = new FormData();
      for (const [k, v] of NAMING_A) form.append(k, v);
      form.append("photo", new File([new Uint8Array(await outputImage("#123456", 64, 64))], "photo.jpg", { type: "image/jpeg" }));
      return form;
    },
    expect: "own",
    check: async (o) => {
      const assetId = o.status === 200 ? (json(o).assetId as string | undefined) : undefined;
      if (assetId) {
        const asset = await h.prisma.asset.findUniqueOrThrow({ where: { id: assetId } });
        expect(asset.shopId).toBe(B.id);
        expect(asset.path.startsWith(`${B.id}/`)).toBe(true);
      }
    },
  },
];

// Routes that take no ids, and why they are outside the sweep.
const NO_IDS: Record<string, string> = {
  _index: "public landing page: no session and no data; ?shop= only redirects into /app, which authenticates",
  "auth.login": "Shopify's login form: starts OAuth for a shop domain, reads no data",
  "auth.$": "shopify-app-remix's auth paths (bounce page, exit iframe): authenticate.admin and nothing else",
  "webhooks.app.uninstalled": "Shopify webhook: authenticated by HMAC, never by a session (see 'webhooks ignore session tokens')",
  "webhooks.app_purchases_one_time.update": "Shopify webhook: authenticated by HMAC, never by a session",
  "webhooks.bulk_operations.finish": "Shopify webhook: authenticated by HMAC, never by a session",
  "webhooks.compliance": "Shopify webhook: authenticated by HMAC, never by a session",
  "webhooks.products": "Shopify webhook: authenticated by HMAC, never by a session",
  "webhooks.providers.$provider": "provider callback: authenticated by the job's signed token in its URL, never by a session",
  "webhooks.stripe": "Stripe webhook: authenticated by the Stripe-Signature over the raw body, never by a session",
};

async function run(a: Attack, as = B.domain): Promise<{ outcome: Outcome; sent: string }> {
  const target = withVictimQuery(a.path);
  const init: RequestInit = { method: a.kind === "action" ? "POST" : "GET" };
  let sent = target;
  if (a.form) {
    const body = new URLSearchParams([...a.form, ...NAMING_A]);
    init.body = body;
    init.headers = { "Content-Type": "application/x-www-form-urlencoded" };
    sent += `\n${body.toString()}\n${a.form.flat().join("\n")}`;
  } else if (a.json) {
    const body = JSON.stringify({ ...a.json, shop: A.domain, shopId: A.id, shop_id: A.id });
    init.body = body;
    init.headers = { "Content-Type": "application/json" };
    sent += `\n${body}`;
  } else if (a.multipart) {
    init.body = await a.multipart();
  }
  const request = await embeddedRequest(as, target, init);
  return { outcome: await invoke(route(a.route, a.kind), { request, params: a.params ?? {}, context: {} }), sent };
}

describe("the sweep knows every route", () => {
  const onDisk = routeFilesOnDisk();
  const swept = new Set(attacks.map((a) => `${a.route}#${a.kind}`));

  it("lists each route file either in the sweep or among the routes without ids", () => {
    const unknown = [...onDisk.keys()].filter((id) => !NO_IDS[id] && ![...swept].some((s) => s.startsWith(`${id}#`)));
    expect(unknown, "route files the isolation sweep does not know: add them to `attacks` (or to NO_IDS with a reason)").toEqual([]);
    const stale = [...Object.keys(NO_IDS), ...[...swept].map((s) => s.split("#")[0]!)].filter((id) => !onDisk.has(id));
    expect(stale, "routes named by the sweep that no longer exist").toEqual([]);
  });

  it("sweeps each loader and action of every swept route", () => {
    const missing: string[] = [];
    for (const [id, mod] of routes) {
      if (NO_IDS[id]) continue;
      for (const kind of ["loader", "action"] as const) {
        if (typeof mod[kind] === "function" && !swept.has(`${id}#${kind}`)) missing.push(`${id}#${kind}`);
      }
    }
    expect(missing, "exports of swept routes that no attack calls").toEqual([]);
  });
});

describe("shop B with shop A's ids", () => {
  it.each(attacks.map((a) => [`${a.route} ${a.kind}: ${a.name}`, a] as const))("%s", async (_name, attack) => {
    const before = await shopSnapshot(h.prisma, A.id);
    const { outcome, sent } = await run(attack);
    const after = await shopSnapshot(h.prisma, A.id);
    expect(after, `shop A changed:\n${outcome.text.slice(0, 500)}`).toEqual(before);
    // Ids B sent itself may come back (a redirect keeps the query); nothing else of A's may.
    expect(leaks(outcome.text, markers.filter((m) => !sent.includes(m))), outcome.text.slice(0, 2000)).toEqual([]);
    const why = `${outcome.status}: ${outcome.text.slice(0, 500)}`;
    expect(outcome.status, why).not.toBe(500);
    if (attack.expect === "not-found") expect(outcome.status, why).toBe(404);
    if (attack.expect === "refused") expect([400, 403, 404], why).toContain(outcome.status);
    await attack.check?.(outcome);
  });
});

describe("webhooks ignore session tokens", () => {
  // Each with a valid session token of B's and headers naming A, but no signature: refused, A untouched.
  const deliveries: [string, string, Record<string, string>, Record<string, string>][] = [
    ["webhooks.app.uninstalled", "/webhooks/app/uninstalled", { "X-Shopify-Topic": "app/uninstalled" }, {}],
    ["webhooks.compliance", "/webhooks/compliance", { "X-Shopify-Topic": "shop/redact" }, {}],
    ["webhooks.products", "/webhooks/products", { "X-Shopify-Topic": "products/delete" }, {}],
    ["webhooks.bulk_operations.finish", "/webhooks/bulk_operations/finish", { "X-Shopify-Topic": "bulk_operations/finish" }, {}],
    ["webhooks.app_purchases_one_time.update", "/webhooks/app_purchases_one_time/update", { "X-Shopify-Topic": "app_purchases_one_time/update" }, {}],
    ["webhooks.stripe", "/webhooks/stripe", {}, {}],
    ["webhooks.providers.$provider", `/webhooks/providers/fashn?job=${aLive.jobIds[0]}`, {}, { provider: "fashn" }],
  ];
  it.each(deliveries)("%s", async (id, url, headers, params) => {
    const before = await shopSnapshot(h.prisma, A.id);
    const request = await embeddedRequest(B.domain, url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Shop-Domain": A.domain, "X-Shopify-API-Version": "2026-01", "X-Shopify-Webhook-Id": crypto.randomUUID(), ...headers },
      body: JSON.stringify({ id: aOnlyNumber, domain: A.domain, shop_domain: A.domain, shop_id: A.id, app_purchase_one_time: { admin_graphql_api_id: `gid://shopify/AppPurchaseOneTime/${aChargeNumber}`, status: "ACTIVE" } }),
    });
    const outcome = await invoke(route(id, "action"), { request, params, context: {} });
    expect([400, 401, 403], outcome.text).toContain(outcome.status);
    expect(await shopSnapshot(h.prisma, A.id)).toEqual(before);
  });
});

describe("the same requests from shop A", () => {
  // The sweep's 404s are only worth something if A's ids are real: A gets its data.
  it("shows A its shoots, photos, product and previews through the same routes", async () => {
    const asA = (a: Omit<Attack, "expect">) => run({ ...a, expect: "own" }, A.domain);
    const status = await asA({ route: "api.shoots.$id", kind: "loader", name: "", path: `/api/shoots/${aPhoto.batchId}`, params: { id: aPhoto.batchId } });
    expect(status.outcome.status).toBe(200);
    expect(status.outcome.body).toContain(aPhoto.jobId);
    const page = await asA({ route: "app.shoots.$batchId", kind: "loader", name: "", path: `/app/shoots/${aLive.batchId}`, params: { batchId: aLive.batchId } });
    expect(page.outcome.status).toBe(200);
    const events = await asA({ route: "app.shoots.$batchId.events", kind: "loader", name: "", path: `/app/shoots/${aLive.batchId}/events`, params: { batchId: aLive.batchId } });
    expect(events.outcome.status).toBe(200);
    expect(events.outcome.body).toContain("event: ready");
    const product = await asA({ route: "app.catalog.$productId", kind: "loader", name: "", path: `/app/catalog/${aOnlyNumber}`, params: { productId: String(aOnlyNumber) } });
    expect(product.outcome.status).toBe(200);
    expect((json(product.outcome).review as { photos: { id: string }[] }).photos.map((p) => p.id).sort()).toEqual([aPhoto.jobId, aPassed.jobId, aLive.jobIds[0]!].sort());
    const preview = await asA({ route: "app.shoots.new", kind: "loader", name: "", path: `/app/shoots/new?products=${aOnlyNumber}`, params: {} });
    expect((json(preview.outcome).preview as { url: string | null }[])[0]!.url).toContain("/storage/uploads/");
    const credits = await asA({ route: "app.credits", kind: "loader", name: "", path: `/app/credits?charge_id=${aChargeNumber}`, params: {} });
    expect((json(credits.outcome).returned as { message: string }).message).toMatch(/Payment received/);
  });

  it("lets A act on its own photos with the same forms", async () => {
    const outcome = await run(
      { route: "app.shoots.$batchId", kind: "action", name: "", path: `/app/shoots/${aPhoto.batchId}`, params: { batchId: aPhoto.batchId }, form: [["intent", "approve"], ["ids", aPassed.jobId]], expect: "own" },
      A.domain,
    );
    expect(outcome.outcome.status).toBe(200);
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: aPassed.jobId } })).reviewState).toBe("approved");
  });
});
