import { describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { createShoot } from "~/services/shoots/create.server";
import { useTestDb, uniqueShopDomain } from "../support/db";
import { freePort, startAppServer } from "../support/app-server";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { afterAll } from "vitest";

// A merchant opens Atelier from Shopify admin for the first time: the app installs
// (token exchange, shop row, 10 welcome credits) and shows Home with the balance.

const h = useTestDb(2);
const appPort = await freePort();
const sim = await startSimulator({
  appUrl: `http://127.0.0.1:${appPort}`,
  apiKey: "atelier-dev-api-key",
  apiSecret: "atelier-dev-api-secret-not-for-production",
});
afterAll(() => sim.close());
const app = await startAppServer({ port: appPort, simulatorUrl: sim.url });
const browser = await useBrowser();

describe("install from the admin", () => {
  it("installs on first open and shows the balance, then navigates from the admin menu", { timeout: 90_000 }, async () => {
    const shop = uniqueShopDomain("e2e");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}`);
    const frame = page.frameLocator("#app-frame");
    await expect.poll(() => frame.locator("#credit-balance").textContent({ timeout: 20_000 }), { timeout: 30_000 }).toBe("10");
    await expect(frame.getByText("credits available").isVisible()).resolves.toBe(true);
    await screenshot(page, "install-1-home");

    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(row.name).toBe(shop.replace(".myshopify.com", "").split("-").map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" "));
    expect(await h.prisma.session.count({ where: { shop } })).toBe(1);
    const ledger = await h.prisma.creditLedgerEntry.findMany({ where: { shopId: row.id } });
    expect(ledger.map((e) => [e.txType, e.amount])).toEqual([["bonus", 10]]);

    // The admin's navigation menu comes from the app's NavMenu.
    await page.getByRole("link", { name: "Credits" }).click();
    await expect.poll(() => frame.getByText("Welcome bonus").count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, "install-2-credits");

    // Opening the app again neither re-installs nor grants a second bonus.
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}`);
    await expect.poll(() => frame.locator("#credit-balance").textContent(), { timeout: 20_000 }).toBe("10");
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: row.id } })).toBe(1);
    expect(errors, app.logs.join("")).toEqual([]);

    // Uninstalling: Shopify's webhook, signed with the app's secret, reaches the app.
    const delivered = await fetch(`${sim.url}/__sim/webhooks`, {
      method: "POST",
      body: JSON.stringify({ topic: "app/uninstalled", shop, payload: { domain: shop } }),
    }).then((r) => r.json() as Promise<{ status: number }>);
    expect(delivered.status).toBe(200);
    expect(await h.prisma.session.count({ where: { shop } })).toBe(0);
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).not.toBeNull();
  });

  it("uninstalling in the admin cancels and refunds waiting photos; reinstalling keeps the balance without a second bonus", { timeout: 90_000 }, async () => {
    const shop = uniqueShopDomain("e2e-uninstall");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}`);
    const frame = page.frameLocator("#app-frame");
    await expect.poll(() => frame.locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("10");
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });

    // A shoot waiting for the worker: 2 photos queued, 2 credits reserved.
    const productIds = ["gid://shopify/Product/8000000001", "gid://shopify/Product/8000000002"];
    for (const productId of productIds) {
      await h.prisma.asset.create({
        data: { shopId: row.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${row.id}/${productId.split("/").pop()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n },
      });
    }
    const shoot = await createShoot(h.prisma, row.id, {
      clientKey: `uninstall-${row.id}`,
      productIds,
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    await h.prisma.generationJob.updateMany({ where: { id: { in: shoot.jobIds } }, data: { status: "queued" } });
    await page.reload();
    await expect.poll(() => page.frameLocator("#app-frame").locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("8");
    await screenshot(page, "uninstall-1-before");

    await page.getByRole("button", { name: "Uninstall app" }).click();
    await page.locator("#uninstalled").waitFor({ timeout: 15_000 });
    await screenshot(page, "uninstall-2-uninstalled");
    await expect.poll(async () => (await h.prisma.generationJob.findMany({ where: { batchId: shoot.batchId } })).map((j) => j.status), { timeout: 15_000 }).toEqual([
      "cancelled",
      "cancelled",
    ]);
    expect((await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: row.id } })).balance).toBe(10);
    expect(await h.prisma.session.count({ where: { shop } })).toBe(0);
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { id: row.id } })).uninstalledAt).toBeInstanceOf(Date);

    await page.getByRole("link", { name: "Install Atelier" }).click();
    await expect.poll(() => page.frameLocator("#app-frame").locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("10");
    await screenshot(page, "uninstall-3-reinstalled");
    const back = await h.prisma.shop.findUniqueOrThrow({ where: { id: row.id } });
    expect(back.uninstalledAt).toBeNull();
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: row.id, txType: "bonus" } })).toBe(1);
    expect(await h.prisma.session.count({ where: { shop } })).toBe(1);
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
