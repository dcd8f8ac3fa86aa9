import type { LoaderFunctionArgs } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { appEnv } from "~/env.server";
import { action as importsAction, loader as importsLoader } from "~/routes/api.extensions.imports";
import { loader as outputsLoader } from "~/routes/api.extensions.product-outputs";
import { loader as quoteLoader } from "~/routes/api.extensions.shoot-quote";
import { action as shootsAction, loader as shootsLoader } from "~/routes/api.extensions.shoots";
import { mintSessionToken } from "../../dev/shopify/tokens";
import { useTestDb } from "../support/db";
import { call, EXTENSION_ORIGIN, extensionShop, product } from "./support";

// Every extension route refuses calls without a valid session token and answers
// the browser's CORS preflight, with CORS headers on refusals too (else the
// extension would see an opaque network error instead of the status).

const h = useTestDb(2);

type Route = (args: LoaderFunctionArgs) => Promise<Response>;

const routes: { name: string; path: string; method: "GET" | "POST"; handler: Route; preflight: Route }[] = [
  { name: "shoot-quote", path: `/api/extensions/shoot-quote?productIds=${product(1)}`, method: "GET", handler: quoteLoader, preflight: quoteLoader },
  { name: "shoots", path: "/api/extensions/shoots", method: "POST", handler: shootsAction, preflight: shootsLoader },
  { name: "imports", path: "/api/extensions/imports", method: "POST", handler: importsAction, preflight: importsLoader },
  { name: "product-outputs", path: `/api/extensions/product-outputs?productId=${product(1)}`, method: "GET", handler: outputsLoader, preflight: outputsLoader },
];

async function send(route: (typeof routes)[number], token: string | null) {
  const headers = new Headers({ Origin: EXTENSION_ORIGIN, "Content-Type": "application/json" });
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const body = route.method === "POST" ? JSON.stringify({ productIds: [product(1)], clientKey: "client-key-1" }) : undefined;
  const request = new Request(new URL(route.path, appEnv().SHOPIFY_APP_URL), { method: route.method, headers, body });
  return route.handler({ request, params: {}, context: {} });
}

describe("admin extension routes: authentication and CORS", () => {
  for (const route of routes) {
    it(`${route.name}: answers the CORS preflight for the extension origin`, async () => {
      const request = new Request(new URL(route.path, appEnv().SHOPIFY_APP_URL), {
        method: "OPTIONS",
        headers: { Origin: EXTENSION_ORIGIN, "Access-Control-Request-Method": route.method, "Access-Control-Request-Headers": "authorization,content-type" },
      });
      const response = await route.preflight({ request, params: {}, context: {} });
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/);
      expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/Content-Type/);
    });

    it(`${route.name}: refuses a call without a session token with a readable 401`, async () => {
      const response = await send(route, null);
      expect(response.status).toBe(401);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(await response.json()).toMatchObject({ code: "unauthenticated" });
    });

    it(`${route.name}: refuses tokens not signed by Shopify for this app`, async () => {
      const env = appEnv();
      const shop = await extensionShop(h, { label: `forged-${route.name}`, credits: 10, withPhotos: [product(1)] });
      const forged = await mintSessionToken({ shop: shop.domain, apiKey: env.SHOPIFY_API_KEY, apiSecret: "not-the-app-secret" });
      const otherApp = await mintSessionToken({ shop: shop.domain, apiKey: "another-app", apiSecret: env.SHOPIFY_API_SECRET });
      const expired = await mintSessionToken({ shop: shop.domain, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET, ttlSeconds: -600 });
      for (const token of [forged, otherApp, expired, "not-a-jwt"]) {
        const response = await send(route, token);
        expect(response.status, token).toBe(401);
        // The library's answer: App Bridge and the extension host retry with a fresh token.
        expect(response.headers.get("X-Shopify-Retry-Invalid-Session-Request")).toBe("1");
        expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
        expect(response.headers.get("Access-Control-Expose-Headers")).toContain("X-Shopify-Retry-Invalid-Session-Request");
      }
      expect(await h.prisma.generationBatch.count({ where: { shopId: shop.id } })).toBe(0);
      expect(await h.prisma.importRun.count({ where: { shopId: shop.id } })).toBe(0);
    });
  }

  it("answers with CORS headers and no caching once authenticated", async () => {
    const shop = await extensionShop(h, { label: "cors-ok", credits: 3, withPhotos: [product(1)] });
    const quote = await call(quoteLoader, shop.domain, `/api/extensions/shoot-quote?productIds=${product(1)}`);
    expect(quote.status).toBe(200);
    expect(quote.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(quote.headers.get("Cache-Control")).toBe("no-store");
    expect(quote.headers.get("Vary")).toMatch(/Origin/);
  });

  it("refuses the wrong method on the POST routes with 405", async () => {
    const shop = await extensionShop(h, { label: "method" });
    for (const [loader, path] of [
      [shootsLoader, "/api/extensions/shoots"],
      [importsLoader, "/api/extensions/imports"],
    ] as const) {
      const response = await call(loader, shop.domain, path);
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("POST");
      expect(response.body.code).toBe("method_not_allowed");
    }
    const put = await call(shootsAction, shop.domain, "/api/extensions/shoots", { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
  });
});
