import { describe, expect, it } from "vitest";
import { AtelierApiError, atelierClient } from "../../extensions/shared/api";
import { asErrorResponse } from "../../extensions/shared/errors";
import { created, fakeBackend, outputs, product, quote } from "./fixtures";

describe("the extensions' backend client", () => {
  it("calls the app's routes by relative path with the extension's ID token", async () => {
    const backend = fakeBackend({
      "GET /api/extensions/shoot-quote": () => ({ body: quote({ products: [{ id: product(1) }] }) }),
      "POST /api/extensions/shoots": () => ({ status: 201, body: created() }),
      "POST /api/extensions/imports": () => ({ status: 202, body: { import_run_id: "r", products: 1 } }),
      "GET /api/extensions/product-outputs": () => ({ body: outputs() }),
    });
    const client = atelierClient({ fetch: backend.fetch, idToken: async () => "id-token-1" });
    await client.quote("productIds=x");
    await client.createShoot({ clientKey: "client-key-1", productIds: [product(1)], variations: 1 });
    await client.importPhotos([product(2)]);
    await client.productOutputs(product(1));
    expect(backend.calls.map((c) => `${c.init.method ?? "GET"} ${c.url.pathname}${c.url.search}`)).toEqual([
      "GET /api/extensions/shoot-quote?productIds=x",
      "POST /api/extensions/shoots",
      "POST /api/extensions/imports",
      `GET /api/extensions/product-outputs?productId=${encodeURIComponent(product(1))}`,
    ]);
    for (const call of backend.calls) expect(new Headers(call.init.headers).get("Authorization")).toBe("Bearer id-token-1");
    expect(JSON.parse(String(backend.calls[1]!.init.body))).toEqual({ clientKey: "client-key-1", productIds: [product(1)], variations: 1 });
    expect(new Headers(backend.calls[1]!.init.headers).get("Content-Type")).toBe("application/json");
  });

  it("leaves the header to the admin when no token is at hand", async () => {
    const backend = fakeBackend({ "GET /api/extensions/product-outputs": () => ({ body: outputs() }) });
    await atelierClient({ fetch: backend.fetch, idToken: async () => null }).productOutputs(product(1));
    await atelierClient({ fetch: backend.fetch, idToken: () => Promise.reject(new Error("no token")) }).productOutputs(product(1));
    for (const call of backend.calls) expect(new Headers(call.init.headers).has("Authorization")).toBe(false);
  });

  it("asks for a fresh token once when the backend says the token was refused", async () => {
    let refusals = 1;
    const backend = fakeBackend({
      "GET /api/extensions/product-outputs": () =>
        refusals-- > 0 ? { status: 401, body: null, headers: { "X-Shopify-Retry-Invalid-Session-Request": "1" } } : { body: outputs() },
    });
    let token = 0;
    const client = atelierClient({ fetch: backend.fetch, idToken: async () => `token-${++token}` });
    await expect(client.productOutputs(product(1))).resolves.toEqual(outputs());
    expect(backend.calls.map((c) => new Headers(c.init.headers).get("Authorization"))).toEqual(["Bearer token-1", "Bearer token-2"]);

    // A second refusal is final.
    refusals = 2;
    const refused = await client.productOutputs(product(1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401 });
    expect(backend.calls).toHaveLength(4);
  });

  it("turns refusals and lost connections into the backend's error shape", async () => {
    const refusing = fakeBackend({
      "POST /api/extensions/shoots": () => ({ status: 402, body: { error: "This shoot costs 4 credits and your balance is 3.", code: "insufficient_credits", required: 4, balance: 3 } }),
      "GET /api/extensions/product-outputs": () => ({ status: 502, body: "<html>bad gateway</html>" }),
    });
    const client = atelierClient({ fetch: refusing.fetch });
    const refusal = await client.createShoot({ clientKey: "client-key-1", productIds: [product(1)] }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AtelierApiError);
    expect(refusal).toMatchObject({ status: 402, message: "This shoot costs 4 credits and your balance is 3.", body: { code: "insufficient_credits", required: 4 } });
    const gateway = await client.productOutputs(product(1)).catch((e: unknown) => e);
    expect(asErrorResponse(gateway)).toEqual({ error: "Atelier answered with an error (502). Try again.", code: "internal" });

    const offline = atelierClient({ fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
    const lost = await offline.quote("productIds=x").catch((e: unknown) => e);
    expect(lost).toMatchObject({ status: 0, message: "Atelier could not be reached. Check your connection and try again." });
    expect(asErrorResponse(new Error("boom"))).toEqual({ error: "Something went wrong. Try again.", code: "internal" });
  });
});
