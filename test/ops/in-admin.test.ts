import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { freePort, startAppServer } from "../support/app-server";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { balanceAndLedger, failedJob } from "./support";

// An operator inside the (simulated) Shopify admin: the /ops page, refund and retry,
// then the queue dashboard in the same iframe, whose own requests carry only the cookie.

const h = useTestDb(2);
const appPort = await freePort();
const sim = await startSimulator({ appUrl: `http://127.0.0.1:${appPort}`, apiKey: "atelier-dev-api-key", apiSecret: "atelier-dev-api-secret-not-for-production" });
afterAll(() => sim.close());
const app = await startAppServer({ port: appPort, simulatorUrl: sim.url });
const browser = await useBrowser();

describe("the ops area in the admin", () => {
  it("is a 404 for the merchant, and for an operator shows the data, retries a failed job and opens the queues", { timeout: 120_000 }, async () => {
    const shop = uniqueShopDomain("e2e-ops");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}`);
    await expect.poll(() => page.frameLocator("#app-frame").locator("#credit-balance").textContent({ timeout: 20_000 }), { timeout: 30_000 }).toBe("10");
    expect(await page.locator("#nav-links").textContent()).not.toMatch(/ops|operations/i);

    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/ops`);
    await expect.poll(() => page.frameLocator("#app-frame").locator("body").textContent({ timeout: 20_000 }), { timeout: 30_000 }).toContain("Not Found");
    expect(await page.frameLocator("#app-frame").getByText("Operations").count()).toBe(0);

    // The simulated admin's staff user is user 1.
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    await h.prisma.userRole.create({ data: { shopId: row.id, userId: "1", role: "operator" } });
    const merchant = await failedJob(h);

    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/ops`);
    const frame = page.frameLocator("#app-frame");
    await frame.getByRole("heading", { name: "Operations" }).waitFor({ timeout: 30_000 });
    await frame.getByText(merchant.shop.domain).waitFor();
    await screenshot(page, "ops-1-page");
    await frame.getByRole("button", { name: "Refund and retry" }).click();
    await frame.getByText(/^Retried as [0-9a-f]{8}$/).waitFor({ timeout: 15_000 });
    await page.getByText(/Retried for 1 credit as job/).waitFor();
    expect(await h.prisma.generationJob.count({ where: { shopId: merchant.shop.id } })).toBe(2);
    const retry = await h.prisma.generationJob.findFirstOrThrow({ where: { shopId: merchant.shop.id, id: { not: merchant.jobId } } });
    const { balance, sum } = await balanceAndLedger(h, merchant.shop.id);
    expect([balance, sum]).toEqual([9, 9]);
    await screenshot(page, "ops-2-retried");

    await frame.getByRole("button", { name: "Open the queue dashboard" }).click();
    const board = page.frameLocator("#app-frame");
    for (const name of ["import", "generate", "publish", "maintenance"]) {
      await board.getByRole("link", { name: new RegExp(`^${name}`, "i") }).first().waitFor({ timeout: 30_000 });
    }
    // The retry waits on the generate queue (no worker runs here).
    await board.getByRole("link", { name: /^generate/i }).first().click();
    await board.getByText(retry.id).first().waitFor({ timeout: 30_000 });
    await screenshot(page, "ops-3-queues");
    const frameUrl = page.frame({ name: "app-iframe" })!.url();
    expect(new URL(frameUrl).pathname).toMatch(/^\/ops\/queues/);
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
