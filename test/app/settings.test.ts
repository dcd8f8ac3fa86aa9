import { describe, expect, it } from "vitest";
import { action, loader } from "~/routes/app.settings";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

async function post(domain: string, fields: Record<string, string>) {
  const request = await embeddedRequest(domain, "/app/settings", { method: "POST", body: new URLSearchParams(fields) });
  return action(args(request));
}

describe("publishing settings", () => {
  it("start with the disclosure on and auto-publish off, and save without touching other settings", async () => {
    const shop = await makeShop(h);
    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { jobsPerHour: 99 } } });
    await storeOfflineSession(h.prisma, shop.domain);
    const before = await loader(args(await embeddedRequest(shop.domain, "/app/settings")));
    expect(before.publishing).toEqual({ aiDisclosure: true, autoPublish: false, publishPosition: "append", attachVariants: false });

    const saved = await post(shop.domain, { aiDisclosure: "false", autoPublish: "true", publishPosition: "featured", attachVariants: "true" });
    expect(saved).toMatchObject({ ok: true });
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(row.settings).toEqual({ jobsPerHour: 99, aiDisclosure: false, autoPublish: true, publishPosition: "featured", attachVariants: true });
  });

  it("refuse a malformed form with a 400 and change nothing", async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    const response = (await post(shop.domain, { aiDisclosure: "maybe", autoPublish: "true", publishPosition: "middle", attachVariants: "false" })) as Response;
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false });
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).settings).toEqual({});
  });
});

describe("catalog watcher settings", () => {
  it("start the clock when turned on, keep only this shop's look, and refuse a negative budget", async () => {
    const { saveLook } = await import("~/services/shoots/looks.server");
    const shop = await makeShop(h);
    const other = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    const look = await saveLook(h.prisma, shop.id, { name: "Beach", options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "beach", generationType: "standard" } });
    const theirs = await saveLook(h.prisma, other.id, { name: "Theirs", options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "beach", generationType: "standard" } });
    const form = (lookId: string, budget = "25") => ({ intent: "watcher", watchCatalog: "true", watcherLookId: lookId, watcherMonthlyBudget: budget, watcherAutoRun: "false" });

    expect(((await post(shop.domain, form(look.id, "-5"))) as Response).status).toBe(400);
    expect(await post(shop.domain, form(look.id))).toMatchObject({ ok: true });
    const saved = (await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).settings as Record<string, unknown>;
    expect(saved).toMatchObject({ watchCatalog: true, watcherLookId: look.id, watcherMonthlyBudget: 25, watcherAutoRun: false });
    expect(Date.parse(String(saved.watchSince))).toBeGreaterThan(Date.now() - 60_000);
    // Another shop's look is not ours to use.
    await post(shop.domain, form(theirs.id));
    expect(((await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).settings as Record<string, unknown>).watcherLookId).toBeNull();
    const loaded = await loader(args(await embeddedRequest(shop.domain, "/app/settings")));
    expect(loaded.looks.map((l) => l.name)).toEqual(["Beach"]);
  });
});
