import { describe, expect, it } from "vitest";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { startE2eStack } from "../support/e2e-stack";

// The main job: import products, pick presets, see the price, shoot, open a photo.

const h = useTestDb(2);
const { sim, app } = await startE2eStack({ label: "shoot", products: 30, queues: "import,generate" });
const browser = await useBrowser();

describe("shoot", () => {
  it("selects products, shows the price, shoots them and opens a photo", { timeout: 180_000 }, async () => {
    const shop = uniqueShopDomain("e2e-shoot");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/catalog`);
    const frame = page.frameLocator("#app-frame");
    const rows = frame.locator("tr.Polaris-IndexTable__TableRow");
    await rows.first().waitFor({ timeout: 30_000 });
    const picked: number[] = [];
    for (let i = 0; i < (await rows.count()) && picked.length < 2; i++) {
      if (Number(await rows.nth(i).locator("td").nth(6).textContent()) > 0) picked.push(i);
    }
    expect(picked.length).toBe(2);
    for (const i of picked) await rows.nth(i).locator("input[type=checkbox]").check({ force: true });
    await screenshot(page, "shoot-0-selected");
    await frame.getByRole("button", { name: "Import images" }).click();
    await expect.poll(() => frame.getByText("Import finished").count(), { timeout: 30_000 }).toBe(1);

    for (const i of picked) await rows.nth(i).locator("input[type=checkbox]").check({ force: true });
    await frame.getByRole("button", { name: "Create shoot" }).click();
    await frame.locator("#shoot-price").waitFor({ timeout: 15_000 });
    await expect(frame.locator("#shoot-price").textContent()).resolves.toBe("2 credits");
    await frame.getByLabel("Photos per product").selectOption("2");
    await frame.getByLabel("Scene").selectOption("beach");
    await expect.poll(() => frame.locator("#shoot-price").textContent()).toBe("4 credits");
    await expect(frame.locator("#balance-after").textContent()).resolves.toContain("Balance after: 6 (now 10)");
    await screenshot(page, "shoot-1-new");

    await frame.getByRole("button", { name: /Start shoot/ }).click();
    await frame.locator("#shoot-progress").waitFor({ timeout: 15_000 });
    await expect.poll(() => frame.locator("#shoot-progress").textContent(), { timeout: 90_000 }).toContain("Finished: 4 ready");
    await screenshot(page, "shoot-2-done");

    const output = frame.locator("a.shoot-output img").first();
    await expect.poll(() => output.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 15_000 }).toBe(1536);
    const shopRow = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect((await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: shopRow.id } })).balance).toBe(6);
    expect(errors, app.logs.join("")).toEqual([]);
  });

  it("adds a whole collection with Shopify's collection picker, and shows a missing one as an error", { timeout: 120_000 }, async () => {
    const shop = uniqueShopDomain("e2e-collection");
    const dresses = [...sim.runtime.state.shop(shop).products.values()].filter((p) => p.productType === "Dress").length;
    expect(dresses).toBeGreaterThan(1);
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=${encodeURIComponent("/app/shoots/new")}`);
    const frame = page.frameLocator("#app-frame");
    await frame.getByRole("button", { name: "Add a collection" }).click({ timeout: 30_000 });
    const picker = page.locator("dialog#picker");
    await expect.poll(() => picker.locator("#picker-title").textContent()).toBe("Select collections");
    await picker.getByLabel(/Dresses/).check({ timeout: 10_000 });
    await picker.getByRole("button", { name: "Select" }).click();

    const collections = frame.locator("#shoot-collections");
    await expect.poll(() => collections.textContent(), { timeout: 15_000 }).toContain(`Dresses · ${dresses} products`);
    await expect(frame.locator("h2", { hasText: /products$/ }).textContent()).resolves.toBe(`${dresses} products`);
    await expect(frame.locator("#shoot-price").textContent()).resolves.toBe(`${dresses} credits`);
    // None of them has a photo in Atelier yet: the existing warning blocks the shoot.
    await expect(frame.getByText("Some products have no photo in Atelier").count()).resolves.toBe(1);
    await expect(frame.getByRole("button", { name: /Start shoot/ }).isDisabled()).resolves.toBe(true);
    await screenshot(page, "shoot-3-collection");

    // One click imports their photos from Shopify; the page updates as they arrive.
    const withoutImages = [...sim.runtime.state.shop(shop).products.values()].filter((p) => p.productType === "Dress" && p.mediaIds.length === 0).length;
    await frame.getByRole("button", { name: "Import their photos" }).click();
    if (withoutImages === 0) {
      await expect.poll(() => frame.locator("#missing-photos").count(), { timeout: 60_000 }).toBe(0);
    } else {
      await expect.poll(() => frame.locator("#missing-photos").textContent(), { timeout: 60_000 }).toContain(`: ${withoutImages} of the chosen products still have none`);
    }
    await expect.poll(() => frame.locator("img[src*='/storage/uploads/']").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await screenshot(page, "shoot-3b-collection-imported");
    if (withoutImages > 0 && withoutImages < dresses) {
      // The shoot can go ahead with the products that have a photo.
      await frame.getByRole("button", { name: `Leave out ${withoutImages} without a photo` }).click();
      await expect.poll(() => frame.locator("h2", { hasText: /products$/ }).textContent(), { timeout: 15_000 }).toBe(`${dresses - withoutImages} products`);
      await expect(frame.locator("#missing-photos").count()).resolves.toBe(0);
      // Back to the collection (history inside the embedded app's frame).
      await frame.locator("body").evaluate(() => history.back());
      await expect.poll(() => collections.textContent(), { timeout: 15_000 }).toContain(`Dresses · ${dresses} products`);
    }

    await frame.getByRole("button", { name: /Remove Dresses/ }).click();
    await expect.poll(() => collections.count(), { timeout: 15_000 }).toBe(0);
    await expect(frame.locator("h2", { hasText: /products$/ }).textContent()).resolves.toBe("0 products");

    // A collection that is not (or no longer) in the shop: a critical banner naming it.
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=${encodeURIComponent("/app/shoots/new?collections=1")}`);
    const error = frame.locator("#collection-error");
    await expect.poll(() => error.textContent(), { timeout: 30_000 }).toContain("Collection gid://shopify/Collection/1 was not found in this shop");
    await screenshot(page, "shoot-4-collection-error");
    await frame.getByRole("button", { name: "Remove this collection" }).click();
    await expect.poll(() => error.count(), { timeout: 15_000 }).toBe(0);
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
