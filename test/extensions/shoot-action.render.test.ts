// @vitest-environment happy-dom
import type {} from "../../extensions/shoot-product-action/shopify"; // the `shopify` global its entry uses
import type {} from "../../extensions/shoot-selection-action/shopify"; // the `shopify` global its entry uses
import { waitFor } from "@testing-library/preact";
import type { Api as ProductActionApi } from "@shopify/ui-extensions/admin.product-details.action.render";
import type { Api as SelectionActionApi } from "@shopify/ui-extensions/admin.product-index.selection-action.render";
import { h, render } from "preact";
import { describe, expect, it, vi } from "vitest";
import { atelierClient } from "../../extensions/shared/api";
import type { QuoteResponse, ShootOptions } from "../../extensions/shared/contract";
import { ShootAction } from "../../extensions/shared/ShootAction";
import * as productAction from "../../extensions/shoot-product-action/src/index";
import * as selectionAction from "../../extensions/shoot-selection-action/src/index";
import { created, fakeBackend, OPTIONS, product, quote } from "./fixtures";
import { byText, choose, click, elements, find, renderExtension } from "./harness";

type ActionApi = Pick<ProductActionApi, "data" | "auth" | "close"> & Pick<SelectionActionApi, "data">;

function shopify(productIds: string[]) {
  const api = { data: { selected: productIds.map((id) => ({ id })) }, auth: { idToken: vi.fn(async () => "extension-id-token") }, close: vi.fn() };
  return api satisfies ActionApi;
}

/** A backend that prices whatever the quote asks for, like the real one. */
function backend(p: { photos: Record<string, boolean>; balance?: number; shoot?: () => { status?: number; body: unknown } }) {
  return fakeBackend({
    "GET /api/extensions/shoot-quote": (url) => {
      const params = url.searchParams;
      const ids = params.get("productIds")!.split(",");
      const options: ShootOptions = params.has("modelPreset")
        ? { ...OPTIONS, ...Object.fromEntries([...params].filter(([k]) => k in OPTIONS)), variations: Number(params.get("variations")) }
        : OPTIONS;
      return { body: quote({ products: ids.map((id) => ({ id, photo: p.photos[id] ?? false })), options, balance: p.balance }) };
    },
    "POST /api/extensions/shoots": p.shoot ?? (() => ({ status: 201, body: created() })),
    "POST /api/extensions/imports": () => ({ status: 202, body: { import_run_id: "run-1", products: 1 } }),
  });
}

const primary = () => elements("s-button").find((b) => b.getAttribute("slot") === "primary-action")!;
const quotes = (calls: ReturnType<typeof backend>["calls"]) => calls.filter((c) => c.url.pathname.endsWith("shoot-quote")).map((c) => c.url.searchParams);

describe("the product action (admin.product-details.action.render)", () => {
  it("shows the product's photo and price, re-prices a change, shoots with the session token and links to the shoot", async () => {
    const api = shopify([product(1)]);
    const server = backend({ photos: { [product(1)]: true } });
    await renderExtension(productAction, api, server.fetch);

    expect(elements("s-admin-action")[0]!.getAttribute("heading")).toBe("Create on-model photos");
    await find("s-text", "Price: 1 credit");
    expect(byText("s-text", "Balance after: 9 (now 10)")).toBeDefined();
    expect(elements("s-image")[0]!.getAttribute("src")).toBe(quote({ products: [{ id: product(1) }] }).products[0]!.photo_url);
    expect(primary().hasAttribute("disabled")).toBe(false);

    choose("Quality", "hd");
    await find("s-text", "Price: 2 credits");
    expect(quotes(server.calls).at(-1)!.get("generationType")).toBe("hd");

    click(await find("s-button", "Create on-model photos · 2 credits"));
    await find("s-paragraph", "2 credits reserved, 8 left. Photos that fail are refunded automatically.");
    expect(elements("s-banner").map((b) => [b.getAttribute("tone"), b.getAttribute("heading")])).toEqual([["success", "Shoot started"]]);
    expect(byText("s-link", "Open the shoot in Atelier")!.getAttribute("href")).toBe(created().shoot_url);

    const post = server.calls.find((c) => c.init.method === "POST")!;
    expect(JSON.parse(String(post.init.body))).toEqual({
      clientKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      productIds: [product(1)],
      variations: 1,
      options: { ...OPTIONS, generationType: "hd" },
    });
    expect(api.auth.idToken).toHaveBeenCalled();
    for (const call of server.calls) expect(new Headers(call.init.headers).get("Authorization")).toBe("Bearer extension-id-token");

    click(byText("s-button", "Done")!);
    expect(api.close).toHaveBeenCalledOnce();
  });

  it("says when the balance falls short, links to buying credits and keeps the button off", async () => {
    await renderExtension(productAction, shopify([product(1)]), backend({ photos: { [product(1)]: true }, balance: 0 }).fetch);
    await find("s-banner", "This shoot costs 1 credit and your balance is 0.");
    expect(byText("s-text", "Balance after: -1 (now 0)")!.getAttribute("tone")).toBe("critical");
    expect(byText("s-link", "Buy credits")!.getAttribute("href")).toBe(quote({ products: [] }).credits_url);
    expect(primary().hasAttribute("disabled")).toBe(true);
  });

  it("shows the backend's refusal when the shoot is refused after all, and prices again", async () => {
    const server = backend({
      photos: { [product(1)]: true },
      shoot: () => ({ status: 402, body: { error: "This shoot costs 1 credits and your balance is 0.", code: "insufficient_credits", required: 1, balance: 0 } }),
    });
    await renderExtension(productAction, shopify([product(1)]), server.fetch);
    click(await find("s-button", "Create on-model photos · 1 credit"));
    const error = await find("s-banner", /your balance is 0/);
    expect(error.getAttribute("heading")).toBe("The shoot was not created");
    await waitFor(() => expect(quotes(server.calls)).toHaveLength(2));
  });

  it("offers to import a product without a photo in Atelier", async () => {
    const server = backend({ photos: {} });
    await renderExtension(productAction, shopify([product(5)]), server.fetch);
    await find("s-paragraph", "This product has no photo in Atelier yet. Import its images from Shopify first.");
    expect(primary().hasAttribute("disabled")).toBe(true);
    expect(byText("s-button", /Leave out/)).toBeUndefined();
    click(byText("s-button", "Import photos from Shopify")!);
    await find("s-banner", /Importing photos from Shopify|1 still to come/);
    const post = server.calls.find((c) => c.url.pathname === "/api/extensions/imports")!;
    expect(JSON.parse(String(post.init.body))).toEqual({ productIds: [product(5)] });
  });
});

describe("the bulk action (admin.product-index.selection-action.render)", () => {
  it("prices the selection, and leaves out products without a photo on request", async () => {
    const ids = [product(1), product(2), product(3)];
    const server = backend({ photos: { [product(1)]: true, [product(2)]: true } });
    await renderExtension(selectionAction, shopify(ids), server.fetch);
    expect(elements("s-admin-action")[0]!.getAttribute("heading")).toBe("Create on-model photos of 3 products");
    await find("s-paragraph", "1 product has no photo in Atelier yet. Import their images from Shopify first.");
    expect(byText("s-text", "3 products")).toBeDefined();
    expect(elements("s-thumbnail")).toHaveLength(2);
    expect(byText("s-text", "Price: 3 credits")).toBeDefined();
    expect(primary().hasAttribute("disabled")).toBe(true);

    click(byText("s-button", "Leave out 1 without a photo")!);
    await find("s-text", "Price: 2 credits");
    expect(quotes(server.calls).at(-1)!.get("productIds")).toBe(`${product(1)},${product(2)}`);
    choose("Photos per product", "3");
    await find("s-text", "Price: 6 credits");
    expect(primary().hasAttribute("disabled")).toBe(false);
  });

  it("polls while photos import and enables the shoot once they are in", async () => {
    const photos: Record<string, boolean> = { [product(1)]: true };
    const server = backend({ photos });
    const client = atelierClient({ fetch: server.fetch });
    render(h(ShootAction, { heading: "Shoot", productIds: [product(1), product(2)], client, close: () => undefined, newClientKey: () => "client-key-1", importPollMs: 5 }), document.body);
    click(await find("s-button", "Import photos from Shopify"));
    await find("s-paragraph", /1 still to come/);
    photos[product(2)] = true;
    await find("s-button", "Create on-model photos · 2 credits");
    await waitFor(() => expect(primary().hasAttribute("disabled")).toBe(false));
    expect(byText("s-banner", /Importing/)).toBeUndefined();
  });

  it("offers the shop's saved looks and prices the chosen one", async () => {
    const look = { id: "0e6b7c57-3a43-4a8e-9f55-0d9b7b2f2b11", name: "Beach HD", options: { ...OPTIONS, scenePreset: "beach", generationType: "hd", variations: 2 } };
    const server = fakeBackend({
      "GET /api/extensions/shoot-quote": (url): { body: QuoteResponse } => {
        const chosen = url.searchParams.get("lookId") === look.id;
        return { body: quote({ products: [{ id: product(1) }], looks: [look], options: chosen ? look.options : OPTIONS, lookId: chosen ? look.id : null }) };
      },
    });
    await renderExtension(selectionAction, shopify([product(1)]), server.fetch);
    await find("s-option", "Beach HD");
    expect(elements("s-select").map((s) => s.getAttribute("label"))).toEqual(["Saved look", "Model", "Pose", "Scene", "Quality", "Aspect ratio", "Photos per product"]);
    choose("Saved look", look.id);
    await find("s-text", "Price: 4 credits");
    // A look replaces the preset choices; photos per product stays.
    expect(elements("s-select").map((s) => s.getAttribute("label"))).toEqual(["Saved look", "Photos per product"]);
  });
});
