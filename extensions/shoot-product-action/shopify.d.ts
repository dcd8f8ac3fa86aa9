// The `shopify` global of this target, as `shopify app dev` generates it.
import "@shopify/ui-extensions";

declare module "./src/index.tsx" {
  const shopify: import("@shopify/ui-extensions/admin.product-details.action.render").Api;
  const globalThis: { shopify: typeof shopify };
}
