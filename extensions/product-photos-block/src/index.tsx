/** @jsxImportSource preact */
import { atelierClient } from "../../shared/api";
import { mount } from "../../shared/mount";
import { PhotosBlock } from "../../shared/PhotosBlock";

// The product page's block of the product's newest on-model photos.
export default async () => {
  const productId = shopify.data.selected[0]?.id;
  if (!productId) return;
  mount(<PhotosBlock productId={productId} client={atelierClient({ fetch, idToken: () => shopify.auth.idToken() })} />);
};
