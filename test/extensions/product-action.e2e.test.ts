import { describe, expect, it } from "vitest";
import { mintSessionToken } from "../../dev/shopify/tokens";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { E2E_API_KEY, E2E_API_SECRET, startE2eStack } from "../support/e2e-stack";
import { bundleExtension, startExtensionHost } from "./extension-host";

// The product action and block in Chromium against the built app: the extensions'
// bundles run on an origin of their own, as on Shopify's extension host, so every call
// to the app is a real cross-origin request with a session token (and its preflight).

const h = useTestDb(2);
const { appUrl, sim, app } = await startE2eStack({ label: "extensions", products: 6, queues: "import,generate" });
const host = await startExtensionHost(appUrl, {
  action: { target: "admin.product-details.action.render", code: await bundleExtension("extensions/shoot-product-action") },
  block: { target: "admin.product-details.block.render", code: await bundleExtension("extensions/product-photos-block") },
});
const browser = await useBrowser();

describe("admin extensions in the browser", () => {
  it("imports a product's photo, shoots it from the product action and shows the photo in the block", { timeout: 180_000 }, async () => {
    const shop = uniqueShopDomain("e2e-ext");
    const withImages = [...sim.runtime.state.shop(shop).products.values()].find((p) => p.mediaIds.length > 0)!;
    const productId = `gid://shopify/Product/${withImages.id}`;
    const { page, errors } = await newPage(browser);
    // The admin hands the extension a fresh ID token whenever it asks.
    await page.exposeFunction("atelierIdToken", () => mintSessionToken({ shop, apiKey: E2E_API_KEY, apiSecret: E2E_API_SECRET }));

    await page.goto(`${host.url}/action?products=${productId}`);
    await page.getByText("Import photos from Shopify").click({ timeout: 30_000 });
    const create = page.locator('s-button[slot="primary-action"]:not([disabled])');
    await expect.poll(() => create.textContent(), { timeout: 60_000 }).toBe("Create on-model photos · 1 credit");
    await expect(page.locator("#balance-after").textContent()).resolves.toBe("Balance after: 9 (now 10)");

    await page.evaluate(() => {
      const quality = [...document.querySelectorAll("s-select")].find((s) => s.getAttribute("label") === "Quality") as HTMLElement & { value: string };
      quality.value = "hd";
      quality.dispatchEvent(new Event("change"));
    });
    await expect.poll(() => page.locator("#shoot-price").textContent()).toBe("Price: 2 credits");
    await screenshot(page, "extension-action-priced");
    await create.click();

    const link = page.locator("s-link", { hasText: "Open the shoot in Atelier" });
    await link.waitFor({ timeout: 15_000 });
    const shopRow = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const batch = await h.prisma.generationBatch.findFirstOrThrow({ where: { shopId: shopRow.id }, include: { jobs: true } });
    expect(batch).toMatchObject({ costCredits: 2, jobCount: 1 });
    expect(batch.jobs.map((j) => [j.productId, j.generationType])).toEqual([[productId, "hd"]]);
    expect(await link.getAttribute("href")).toBe(`${sim.url}/store/${shop.replace(".myshopify.com", "")}/apps/atelier/app/shoots/${batch.id}`);
    await expect(page.getByText("2 credits reserved, 8 left.").count()).resolves.toBe(1);
    await page.getByText("Done").click();
    await expect.poll(() => page.evaluate(() => document.body.dataset.closed)).toBe("true");

    // Refusals reach the extension readable (CORS headers on them too), not as network
    // errors, and a refused token says "retry with a fresh one" in a header it can read.
    const refusals = await page.evaluate(async ({ appUrl, productId }) => {
      const url = `${appUrl}/api/extensions/shoot-quote?productIds=${productId}`;
      const none = await fetch(url);
      const forged = await fetch(url, { headers: { Authorization: "Bearer forged.token.value" } });
      return { none: [none.status, (await none.json()).code], forged: [forged.status, forged.headers.get("X-Shopify-Retry-Invalid-Session-Request")] };
    }, { appUrl, productId });
    expect(refusals).toEqual({ none: [401, "unauthenticated"], forged: [401, "1"] });

    const { page: block, errors: blockErrors } = await newPage(browser);
    await block.exposeFunction("atelierIdToken", () => mintSessionToken({ shop, apiKey: E2E_API_KEY, apiSecret: E2E_API_SECRET }));
    await expect
      .poll(
        async () => {
          await block.goto(`${host.url}/block?products=${productId}`);
          await block.locator("s-link", { hasText: "Review in Atelier" }).waitFor({ timeout: 10_000 });
          return block.locator("s-badge").allTextContents();
        },
        { timeout: 90_000, interval: 1_000 },
      )
      .toEqual([expect.stringMatching(/^(New|Needs review)$/)]);
    const image = await block.locator("s-image").getAttribute("src");
    expect(image).toContain(`${appUrl}/storage/outputs/${shopRow.id}/${batch.jobs[0]!.id}/`);
    // The signed thumbnail is the photo itself.
    expect((await fetch(image!)).headers.get("content-type")).toMatch(/^image\//);
    await screenshot(block, "extension-block-photos");
    expect([...errors, ...blockErrors], app.logs.join("")).toEqual([]);
  });
});
