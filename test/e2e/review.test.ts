import { describe, expect, it } from "vitest";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";
import { startE2eStack } from "../support/e2e-stack";

// After the shoot: look closely, fix an alt text, approve, publish to Shopify, and take
// it all back again.

const h = useTestDb(2);
// The publish worker reads the shop's offline token, which token exchange stores when the admin frame first loads.
const { sim, app } = await startE2eStack({ label: "review", products: 30, queues: "import,generate,publish" });
const browser = await useBrowser();

const DISCLOSURE = "(AI-generated image)";

describe("review and publish", () => {
  it("zooms, edits alt text, approves in bulk, publishes to Shopify and rolls the shoot back", { timeout: 240_000 }, async () => {
    const shop = uniqueShopDomain("e2e-review");
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
    await frame.getByRole("button", { name: "Import images" }).click();
    await expect.poll(() => frame.getByText("Import finished").count(), { timeout: 30_000 }).toBe(1);
    for (const i of picked) await rows.nth(i).locator("input[type=checkbox]").check({ force: true });
    await frame.getByRole("button", { name: "Create shoot" }).click();
    await frame.getByRole("button", { name: /Start shoot/ }).click({ timeout: 15_000 });
    await frame.locator("#shoot-progress").waitFor({ timeout: 15_000 });
    await expect.poll(() => frame.locator("#shoot-progress").textContent(), { timeout: 90_000 }).toContain("Finished: 2 ready");

    const shopRow = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const jobs = await h.prisma.generationJob.findMany({ where: { shopId: shopRow.id }, orderBy: [{ productId: "asc" }, { variation: "asc" }] });
    expect(jobs).toHaveLength(2);
    const simShop = sim.runtime.state.shop(shop);
    const productOf = (productId: string) => simShop.products.get(Number(productId.split("/").pop()))!;
    const mediaBefore = new Map(jobs.map((j) => [j.productId!, [...productOf(j.productId!).mediaIds]]));

    const cards = frame.locator(".review-card");
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2);
    // Before and after, side by side, once both images have loaded.
    const first = cards.first();
    await expect.poll(() => first.locator("img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 15_000 }).toEqual([true, true]);
    await expect(frame.getByRole("tab", { name: /Needs review/ }).count()).resolves.toBe(1);
    await screenshot(page, "review-1-shoot");

    // Zoom: both large, the result at full resolution.
    await first.locator("a.shoot-output").click();
    const zoomed = frame.locator("#zoom-output");
    await expect.poll(() => zoomed.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 15_000 }).toBe(1536);
    await expect(frame.locator("#zoom-source").isVisible()).resolves.toBe(true);
    await screenshot(page, "review-2-zoom");
    await frame.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => zoomed.count(), { timeout: 10_000 }).toBe(0);

    // Alt text: prefilled from the product title; an empty one is refused on the field.
    const alt = first.getByLabel("Alt text");
    const firstTitle = productOf(jobs[0]!.productId!).title;
    await expect(alt.inputValue()).resolves.toContain(firstTitle);
    await alt.fill("   ");
    await first.getByRole("button", { name: "Save alt text" }).click();
    await expect.poll(() => first.getByText("Alt text can't be empty").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, "review-3-alt-error");
    const edited = `${firstTitle} worn by a model on the beach at golden hour`;
    await alt.fill(edited);
    await first.getByRole("button", { name: "Save alt text" }).click();
    await expect.poll(async () => (await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobs[0]!.id } })).altText, { timeout: 10_000 }).toBe(edited);
    await expect.poll(() => page.locator("#toasts").textContent(), { timeout: 10_000 }).toContain("Alt text saved");
    await expect.poll(() => first.getByText("Alt text can't be empty").count()).toBe(0);

    // Approve both at once.
    await frame.getByLabel("Select all").check({ force: true });
    await frame.getByRole("button", { name: "Approve selected" }).click();
    await expect.poll(() => frame.locator(".review-card[data-status=approved]").count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => frame.getByRole("tab", { name: "Approved (2)" }).count()).toBe(1);
    await screenshot(page, "review-4-approved");

    // Publish: the worker puts them on their products; the page follows along.
    await frame.getByRole("button", { name: "Publish approved (2)" }).click();
    await expect.poll(() => frame.locator(".review-card[data-status=published]").count(), { timeout: 60_000 }).toBe(2);
    await expect(frame.getByRole("button", { name: "Unpublish" }).count()).resolves.toBe(2);
    await screenshot(page, "review-5-published");
    for (const job of jobs) {
      const product = productOf(job.productId!);
      const before = mediaBefore.get(job.productId!)!;
      expect(product.mediaIds.slice(0, before.length)).toEqual(before);
      expect(product.mediaIds).toHaveLength(before.length + 1);
      const added = simShop.media.get(product.mediaIds.at(-1)!)!;
      expect(added.status).toBe("READY");
      expect(added.alt?.endsWith(DISCLOSURE)).toBe(true);
      if (job.id === jobs[0]!.id) expect(added.alt).toBe(`${edited} ${DISCLOSURE}`);
    }

    // The Published tab, through ?filter=.
    await frame.getByRole("tab", { name: "Published (2)" }).click();
    await expect.poll(() => frame.locator("body").evaluate(() => location.search), { timeout: 10_000 }).toContain("filter=published");
    await expect.poll(() => cards.count()).toBe(2);

    // Roll back, after confirming: the products are exactly as before.
    await frame.getByRole("button", { name: "Roll back shoot" }).click();
    const dialog = frame.getByRole("dialog");
    await expect.poll(() => dialog.getByText("Roll back this shoot?").count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page, "review-6-rollback-confirm");
    await dialog.getByRole("button", { name: "Roll back shoot" }).click();
    await expect
      .poll(async () => (await h.prisma.publication.findMany({ where: { shopId: shopRow.id } })).map((p) => p.status), { timeout: 60_000 })
      .toEqual(["unpublished", "unpublished"]);
    for (const job of jobs) expect(productOf(job.productId!).mediaIds).toEqual(mediaBefore.get(job.productId!));
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(0);
    await frame.getByRole("tab", { name: /^All/ }).click();
    await expect.poll(() => frame.locator(".review-card[data-status=approved]").count(), { timeout: 15_000 }).toBe(2);
    await expect(frame.getByRole("button", { name: "Roll back shoot" }).count()).resolves.toBe(0);
    await screenshot(page, "review-7-rolled-back");

    // A photo the garment check flagged: its reason, and a free second try.
    await h.prisma.generationJob.update({ where: { id: jobs[1]!.id }, data: { needsReview: true, reviewReason: "The sleeves look shorter than in the product photo.", reviewState: "new" } });
    await frame.getByRole("tab", { name: /^Needs review/ }).click();
    const flagged = frame.locator(`.review-card[data-photo="${jobs[1]!.id}"]`);
    await expect.poll(() => flagged.getAttribute("data-status"), { timeout: 15_000 }).toBe("needs_review");
    await expect(cards.count()).resolves.toBe(1);
    await expect(flagged.getByText("The sleeves look shorter than in the product photo.").count()).resolves.toBe(1);
    await expect(frame.getByRole("tab", { name: "Needs review (1)" }).count()).resolves.toBe(1);
    await flagged.scrollIntoViewIfNeeded();
    await screenshot(page, "review-8-needs-review");
    await flagged.getByRole("button", { name: "Regenerate free" }).click();
    await frame.getByRole("tab", { name: /^All/ }).click();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => frame.locator("#shoot-progress").textContent(), { timeout: 90_000 }).toContain("Finished: 3 ready");
    expect((await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: shopRow.id } })).balance).toBe(8);

    // The product page reviews the same photos.
    const number = jobs[0]!.productId!.split("/").pop()!;
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=${encodeURIComponent(`/app/catalog/${number}`)}`);
    const section = frame.getByRole("heading", { name: "On-model photos" });
    await section.waitFor({ timeout: 30_000 });
    const onProductPage = frame.locator(`.review-card[data-photo="${jobs[0]!.id}"]`);
    await expect.poll(() => onProductPage.getAttribute("data-status")).toBe("approved");
    await expect.poll(() => onProductPage.getByLabel("Alt text").inputValue()).toBe(edited);
    await onProductPage.scrollIntoViewIfNeeded();
    await screenshot(page, "review-9-product-page");
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
