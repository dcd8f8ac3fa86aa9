import { describe, expect, it } from "vitest";
import { addDocumentResponseHeaders } from "~/shopify.server";
import { appEnv } from "~/env.server";

describe("security headers of the embedded app", () => {
  it("let only the shop's admin (and Shopify admin) frame the app's documents", () => {
    const shop = "frame-test.myshopify.com";
    const request = new Request(`${appEnv().SHOPIFY_APP_URL}/app?shop=${shop}&embedded=1&host=${Buffer.from(`admin.shopify.com/store/frame-test`).toString("base64url")}`);
    const headers = new Headers();
    addDocumentResponseHeaders(request, headers);
    const csp = headers.get("Content-Security-Policy") ?? "";
    const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1]?.split(/\s+/) ?? [];
    expect(ancestors).toContain(`https://${shop}`);
    expect(ancestors).toContain("https://admin.shopify.com");
    expect(ancestors.some((a) => a === "*" || a.includes("other-shop"))).toBe(false);
  });
});
