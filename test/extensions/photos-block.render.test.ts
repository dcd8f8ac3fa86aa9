// @vitest-environment happy-dom
import type {} from "../../extensions/product-photos-block/shopify"; // the `shopify` global its entry uses
import type { Api as BlockApi } from "@shopify/ui-extensions/admin.product-details.block.render";
import { describe, expect, it, vi } from "vitest";
import type { ProductOutputsResponse } from "../../extensions/shared/contract";
import { outputsSummary } from "../../extensions/shared/review";
import * as block from "../../extensions/product-photos-block/src/index";
import { fakeBackend, outputs, product } from "./fixtures";
import { byText, elements, find, renderExtension } from "./harness";

function shopify(productId: string) {
  const api = { data: { selected: [{ id: productId }] }, auth: { idToken: vi.fn(async () => "block-id-token") } };
  return api satisfies Pick<BlockApi, "data" | "auth">;
}

const photo = (n: number, review_status: ProductOutputsResponse["outputs"][number]["review_status"], thumbnail = true) => ({
  job_id: `job-${n}`,
  review_status,
  thumbnail_url: thumbnail ? `https://app.example/storage/outputs/s/job-${n}/v1.jpg?sig=${n}` : null,
  width: 600,
  height: 800,
  completed_at: "2026-01-01T00:00:00.000Z",
  shoot_url: `https://admin.example/store/s/apps/atelier/app/shoots/b${n}`,
});

describe("the product block (admin.product-details.block.render)", () => {
  it("shows the product's newest photos with their review state and a link to review them", async () => {
    const data = outputs({ outputs: [photo(1, "approved"), photo(2, "needs_review"), photo(3, "published"), photo(4, "rejected", false)], in_progress: 2 });
    const server = fakeBackend({ "GET /api/extensions/product-outputs": () => ({ body: data }) });
    await renderExtension(block, shopify(product(1)), server.fetch);

    await find("s-badge", "Approved");
    expect(elements("s-badge").map((b) => [b.textContent, b.getAttribute("tone")])).toEqual([
      ["Approved", "success"],
      ["Needs review", "warning"],
      ["On product", "success"],
      ["Rejected", "critical"],
    ]);
    expect(elements("s-image").map((i) => i.getAttribute("src"))).toEqual([1, 2, 3].map((n) => photo(n, null).thumbnail_url));
    expect(byText("s-text", "Photo unavailable")).toBeDefined();
    expect(byText("s-text", "2 more being made.")).toBeDefined();
    expect(byText("s-link", "Review in Atelier")!.getAttribute("href")).toBe(data.review_url);
    const adminBlock = elements("s-admin-block")[0]!;
    expect(adminBlock.getAttribute("heading")).toBe("On-model photos");
    expect(adminBlock.getAttribute("collapsedSummary")).toBe("4 photos · 1 to review · 2 photos in progress");

    expect(server.calls.map((c) => c.url.searchParams.get("productId"))).toEqual([product(1)]);
    expect(new Headers(server.calls[0]!.init.headers).get("Authorization")).toBe("Bearer block-id-token");
  });

  it("says when there is nothing yet", async () => {
    await renderExtension(block, shopify(product(2)), fakeBackend({ "GET /api/extensions/product-outputs": () => ({ body: outputs() }) }).fetch);
    await find("s-paragraph", /No on-model photos of this product yet/);
    expect(elements("s-admin-block")[0]!.getAttribute("collapsedSummary")).toBe("No on-model photos yet");
  });

  it("shows a refusal as an error", async () => {
    await renderExtension(
      block,
      shopify(product(2)),
      fakeBackend({ "GET /api/extensions/product-outputs": () => ({ status: 401, body: { error: "This request carried no session token; open Atelier from Shopify admin.", code: "unauthenticated" } }) }).fetch,
    );
    const banner = await find("s-banner", /no session token/);
    expect(banner.getAttribute("tone")).toBe("critical");
  });

  it("sums up what wants attention for the collapsed block", () => {
    expect(outputsSummary(outputs({ outputs: Array.from({ length: 12 }, (_, i) => photo(i, i < 3 ? "new" : "approved")) }))).toBe("Latest 12 · 3 to review");
    expect(outputsSummary(outputs({ outputs: [photo(1, "approved")] }))).toBe("1 photo");
    expect(outputsSummary(outputs({ in_progress: 1 }))).toBe("1 photo in progress");
  });
});
