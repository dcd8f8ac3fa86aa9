/** @jsxImportSource preact */
import { atelierClient } from "../../shared/api";
import { mount } from "../../shared/mount";
import { ShootAction } from "../../shared/ShootAction";

// "Create on-model photos" in the product page's More actions.
export default async () => {
  mount(
    <ShootAction
      heading="Create on-model photos"
      productIds={shopify.data.selected.map((s) => s.id)}
      client={atelierClient({ fetch, idToken: () => shopify.auth.idToken() })}
      close={() => shopify.close()}
      newClientKey={() => crypto.randomUUID()}
    />,
  );
};
