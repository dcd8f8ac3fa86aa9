import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { reconcilePublication, type PublishDeps, type ReconcileOutcome } from "~/services/publish/publish.server";
import { createAdminGraphQL } from "~/services/shopify/admin-graphql.server";
import { createLocalStorage } from "~/services/storage/local.server";
import type { PrismaHandle } from "~/services/prisma.server";
import { makeShop } from "../support/db";
import type { TestSimulator } from "../support/simulator";

export function tempStorage(label: string) {
  const root = mkdtempSync(path.join(tmpdir(), `atelier-${label}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    storage: createLocalStorage({
      driver: "local",
      root,
      appUrl: "http://127.0.0.1:9",
      signingSecret: "s".repeat(40),
    }),
  };
}

export interface ProductState {
  id: string;
  title: string;
  media: {
    id: string;
    alt: string | null;
    status: string;
    image: { url: string } | null;
  }[];
  variants: {
    id: string;
    selectedOptions: { name: string; value: string }[];
    media: { nodes: { id: string }[] };
  }[];
}

export const PRODUCT_STATE = `query ($id: ID!) { product(id: $id) { id title
  media(first: 50) { nodes { id alt status ... on MediaImage { image { url } } } }
  variants(first: 50) { nodes { id selectedOptions { name value } media(first: 1) { nodes { id } } } } } }`;

export async function productState(sim: TestSimulator, token: string, id: string): Promise<ProductState | null> {
  const r = await sim.gql<{
    product: {
      id: string;
      title: string;
      media: { nodes: ProductState["media"] };
      variants: { nodes: ProductState["variants"] };
    } | null;
  }>(PRODUCT_STATE, { id }, token);
  const p = r.body.data?.product;
  if (!p) return null;
  return {
    id: p.id,
    title: p.title,
    media: p.media.nodes,
    variants: p.variants.nodes,
  };
}

/** A shop connected to the simulated shop: its admin client and a direct token for assertions. */
export async function connectedShop(h: PrismaHandle, sim: TestSimulator, label: string) {
  const shop = await makeShop(h, { label });
  const token = await sim.accessToken(shop.domain);
  const admin = createAdminGraphQL({ shop: shop.domain, accessToken: token });
  return { shop, token, admin };
}

/** Runs the reconciler the way the worker does, waiting out each "wait", until it settles. */
export async function settle(deps: PublishDeps, shopId: string, publicationId: string, timeoutMs = 15_000): Promise<ReconcileOutcome> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await reconcilePublication(deps, shopId, publicationId);
    if (outcome.state !== "wait") return outcome;
    if (Date.now() > until) throw new Error(`still waiting: ${outcome.reason}`);
    await new Promise((r) => setTimeout(r, Math.min(outcome.ms, 50)));
  }
}
