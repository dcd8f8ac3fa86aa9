import { describe, expect, it } from "vitest";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { startE2eStack } from "../support/e2e-stack";

// The merchant finds products in the catalog, imports their photos, and sees them.

const h = useTestDb(2);
const { sim, app } = await startE2eStack({ label: "catalog", products: 40, queues: "import" });
const browser = await useBrowser();

describe("catalog", () => {
  it("searches, selects products, imports their photos and shows the imported assets", { timeout: 120_000 }, async () => {
    const shop = uniqueShopDomain("e2e-catalog");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/catalog`);
    const frame = page.frameLocator("#app-frame");
    await frame.getByRole("button", { name: "Import whole catalog" }).waitFor({ timeout: 30_000 });
    await screenshot(page, "catalog-1-list");

    await frame.getByPlaceholder("Search products").fill("Hoodie");
    await expect.poll(async () => {
      const titles = await frame.locator(".catalog-product-link").allTextContents();
      return titles.length > 0 && titles.every((t) => t.includes("Hoodie"));
    }, { timeout: 15_000 }).toBe(true);
    await screenshot(page, "catalog-2-search");

    const rows = frame.locator("tr.Polaris-IndexTable__TableRow");
    const withImages: number[] = [];
    const count = await rows.count();
    for (let i = 0; i < count && withImages.length < 2; i++) {
      const images = await rows.nth(i).locator("td").nth(6).textContent();
      if (Number(images) > 0) withImages.push(i);
    }
    expect(withImages.length).toBe(2);
    for (const i of withImages) await rows.nth(i).locator("input[type=checkbox]").check({ force: true });
    await frame.getByRole("button", { name: "Import images" }).click();
    await expect.poll(() => frame.getByText("Import finished").count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, "catalog-3-imported");

    const shopRow = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const assets = await h.prisma.asset.findMany({ where: { shopId: shopRow.id } });
    expect(assets.length).toBeGreaterThanOrEqual(2);
    expect(new Set(assets.map((a) => a.productId)).size).toBe(2);

    await rows.nth(withImages[0]!).locator(".catalog-product-link").click();
    await frame.getByText("Imported into Atelier").waitFor({ timeout: 15_000 });
    const imported = frame.locator("img[alt*='· v1']");
    await expect.poll(() => imported.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    // The imported photo is served through a signed URL and really loads.
    await expect.poll(() => imported.first().evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 }).toBe(800);
    await screenshot(page, "catalog-4-product");

    // Shopify's resource picker (App Bridge) is the other way to pick products.
    await page.getByRole("link", { name: "Catalog" }).click();
    await frame.getByRole("button", { name: "Pick products" }).click();
    const picker = page.locator("dialog#picker");
    await picker.getByRole("checkbox").first().waitFor({ timeout: 10_000 });
    await picker.getByRole("checkbox").first().check();
    await screenshot(page, "catalog-5-picker");
    await picker.getByRole("button", { name: "Select" }).click();
    await expect.poll(() => page.locator("#toasts").textContent(), { timeout: 10_000 }).toContain("Import started");
    await expect.poll(async () => h.prisma.importRun.count({ where: { shopId: shopRow.id, status: "completed" } }), { timeout: 30_000 }).toBe(2);
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
