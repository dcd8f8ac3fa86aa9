import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { freePort, startAppServer } from "../support/app-server";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";

// Buying a credit pack through Shopify Billing: approve on Shopify's page, come back
// to the credits page inside admin, see the pack credited.

const h = useTestDb(2);
const appPort = await freePort();
const sim = await startSimulator({ appUrl: `http://127.0.0.1:${appPort}`, apiKey: "atelier-dev-api-key", apiSecret: "atelier-dev-api-secret-not-for-production", products: 4 });
afterAll(() => sim.close());
const app = await startAppServer({ port: appPort, simulatorUrl: sim.url, env: { BILLING_PROVIDER: "shopify" } });
const browser = await useBrowser();

describe("credits through Shopify Billing", () => {
  it("buys a pack, returns to the app and shows the new balance; a declined one adds nothing", { timeout: 120_000 }, async () => {
    const shop = uniqueShopDomain("e2e-billing");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/credits`);
    const frame = page.frameLocator("#app-frame");
    await expect.poll(() => frame.locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("10 credits");
    await screenshot(page, "credits-shopify-0");

    await frame.getByRole("button", { name: "Buy Starter" }).click();
    await page.getByRole("button", { name: "Approve" }).waitFor({ timeout: 15_000 });
    expect(await page.getByText(/19\.00 USD \(test charge\)/).count()).toBe(1);
    await screenshot(page, "credits-shopify-1-approve");
    await page.getByRole("button", { name: "Approve" }).click();

    const back = page.frameLocator("#app-frame");
    await expect.poll(() => back.getByText("Payment received: 50 credits added.").count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => back.locator("#credit-balance").textContent()).toBe("60 credits");
    expect(await back.getByText("Paid", { exact: true }).count()).toBe(1);
    await screenshot(page, "credits-shopify-2-paid");
    // Reloading the return URL (or the webhook arriving late) credits nothing more.
    await page.reload();
    await expect.poll(() => page.frameLocator("#app-frame").locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("60 credits");

    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/credits`);
    await page.frameLocator("#app-frame").getByRole("button", { name: "Buy Studio" }).click({ timeout: 30_000 });
    await page.getByRole("button", { name: "Decline" }).click({ timeout: 15_000 });
    const declined = page.frameLocator("#app-frame");
    await expect.poll(() => declined.getByText("The payment was declined. Nothing was charged.").count(), { timeout: 30_000 }).toBe(1);
    expect(await declined.locator("#credit-balance").textContent()).toBe("60 credits");
    await screenshot(page, "credits-shopify-3-declined");

    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const purchases = await h.prisma.appPurchase.findMany({ where: { shopId: row.id }, orderBy: { createdAt: "asc" } });
    expect(purchases.map((p) => [p.packId, p.status])).toEqual([
      ["starter", "ACTIVE"],
      ["studio", "DECLINED"],
    ]);
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
