/** @jsxImportSource preact */
import { atelierClient } from "../../shared/api";
import { mount } from "../../shared/mount";
import { ShootAction } from "../../shared/ShootAction";

// "Create on-model photos" for the products selected in the product index.
export default async () => {
  const productIds = shopify.data.selected.map((s) => s.id);
  mount(
    <ShootAction
      heading={`Create on-model photos of ${productIds.length} product${productIds.length === 1 ? "" : "s"}`}
      productIds={productIds}
      client={atelierClient({ fetch, idToken: () => shopify.auth.idToken() })}
      close={() => shopify.close()}
      newClientKey={() => crypto.randomUUID()}
    />,
  );
};
