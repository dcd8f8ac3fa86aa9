import { GraphQLError } from "graphql";
import { parseGid, type ProductRecord } from "../state";
import type { SimContext } from "../runtime";
import { connection, type PageArgs } from "./connections";
import { collectionFilter } from "../collections";
import { bulkOperationObject, collectionObject, collectionsConnection, mediaObject, productObject, purchaseObject, shopObject, variantObject } from "./objects";
import { productFilter } from "./product-query";

const SORTS: Record<string, (a: ProductRecord, b: ProductRecord) => number> = {
  ID: (a, b) => a.id - b.id,
  TITLE: (a, b) => a.title.localeCompare(b.title) || a.id - b.id,
  UPDATED_AT: (a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.id - b.id,
  CREATED_AT: (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id,
  PRODUCT_TYPE: (a, b) => a.productType.localeCompare(b.productType) || a.id - b.id,
  VENDOR: (a, b) => a.vendor.localeCompare(b.vendor) || a.id - b.id,
};

export function nodeById(ctx: SimContext, id: string): Record<string, unknown> | null {
  const ref = parseGid(id);
  if (!ref) throw new GraphQLError(`Invalid global id '${id}'`, { extensions: { code: "argumentLiteralsIncompatible" } });
  const s = ctx.shop;
  switch (ref.type) {
    case "Product": {
      const p = s.products.get(ref.id);
      return p ? productObject(ctx, p) : null;
    }
    case "MediaImage": {
      const m = s.media.get(ref.id);
      return m ? mediaObject(ctx, m) : null;
    }
    case "ProductVariant": {
      const v = s.variants.get(ref.id);
      return v ? variantObject(ctx, v) : null;
    }
    case "Collection": {
      const c = s.collections.get(ref.id);
      return c ? collectionObject(ctx, c) : null;
    }
    case "BulkOperation": {
      const op = s.bulkOperations.get(ref.id);
      return op ? bulkOperationObject(ctx, op) : null;
    }
    case "AppPurchaseOneTime": {
      const p = s.purchases.get(ref.id);
      return p ? purchaseObject(ctx, p) : null;
    }
    default:
      throw new GraphQLError(`Nodes of type ${ref.type} are not implemented by the simulated shop`, {
        extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" },
      });
  }
}

export function queryRoot(ctx: SimContext) {
  return {
    shop: () => shopObject(ctx),
    products: (args: PageArgs & { query?: string | null; sortKey?: string | null }) => {
      const sort = SORTS[args.sortKey ?? "ID"];
      if (!sort) throw new GraphQLError(`Sorting products by ${args.sortKey} is not implemented by the simulated shop`);
      const items = [...ctx.shop.products.values()].filter(productFilter(args.query)).sort(sort);
      return connection(items, args, (p) => p.id, (p) => productObject(ctx, p), { unbounded: ctx.bulk });
    },
    productsCount: (args: { query?: string | null }) => ({
      count: [...ctx.shop.products.values()].filter(productFilter(args.query)).length,
      precision: "EXACT",
    }),
    product: (args: { id: string }) => {
      const ref = parseGid(args.id, "Product");
      const p = ref && ctx.shop.products.get(ref.id);
      return p ? productObject(ctx, p) : null;
    },
    productVariant: (args: { id: string }) => {
      const ref = parseGid(args.id, "ProductVariant");
      const v = ref && ctx.shop.variants.get(ref.id);
      return v ? variantObject(ctx, v) : null;
    },
    collections: (args: PageArgs & { query?: string | null; sortKey?: string | null; savedSearchId?: string | null }) =>
      collectionsConnection(ctx, [...ctx.shop.collections.values()], args),
    collectionsCount: (args: { query?: string | null; limit?: number | null; savedSearchId?: string | null }) => {
      if (args.savedSearchId) {
        throw new GraphQLError("Saved searches are not implemented by the simulated shop", { extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" } });
      }
      const count = [...ctx.shop.collections.values()].filter(collectionFilter(ctx.shop, args.query)).length;
      const limit = args.limit ?? null;
      return limit !== null && count > limit ? { count: limit, precision: "AT_LEAST" } : { count, precision: "EXACT" };
    },
    collection: (args: { id: string }) => {
      const ref = parseGid(args.id, "Collection");
      const c = ref && ctx.shop.collections.get(ref.id);
      return c ? collectionObject(ctx, c) : null;
    },
    collectionByIdentifier: (args: { identifier: { id?: string | null; handle?: string | null; customId?: unknown } }) => {
      const { id, handle, customId } = args.identifier;
      if (customId) {
        throw new GraphQLError("Collections by custom id are not implemented by the simulated shop", { extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" } });
      }
      const ref = id ? parseGid(id, "Collection") : null;
      const c = ref
        ? ctx.shop.collections.get(ref.id)
        : handle
          ? [...ctx.shop.collections.values()].find((x) => x.handle === handle)
          : undefined;
      return c ? collectionObject(ctx, c) : null;
    },
    node: (args: { id: string }) => nodeById(ctx, args.id),
    nodes: (args: { ids: string[] }) => {
      if (args.ids.length > 250) throw new GraphQLError("The maximum number of ids is 250");
      return args.ids.map((id) => nodeById(ctx, id));
    },
    bulkOperation: (args: { id: string }) => {
      const ref = parseGid(args.id, "BulkOperation");
      const op = ref && ctx.shop.bulkOperations.get(ref.id);
      return op ? bulkOperationObject(ctx, op) : null;
    },
    currentBulkOperation: (args: { type?: string | null }) => {
      if (args.type && args.type !== "QUERY") return null;
      const ops = [...ctx.shop.bulkOperations.values()];
      const latest = ops.at(-1);
      return latest ? bulkOperationObject(ctx, latest) : null;
    },
    currentAppInstallation: () => ({
      __typename: "AppInstallation",
      id: `gid://shopify/AppInstallation/${ctx.shop.numericId}`,
      launchUrl: `${ctx.sim.publicUrl()}/admin/apps/${ctx.sim.config.appHandle}?shop=${ctx.shop.domain}`,
      uninstallUrl: null,
      accessScopes: ctx.shop.scopes.map((handle) => ({ handle, description: handle })),
      oneTimePurchases: (args: PageArgs) =>
        connection(
          [...ctx.shop.purchases.values()].sort((a, b) => a.id - b.id),
          args,
          (p) => p.id,
          (p) => purchaseObject(ctx, p),
        ),
    }),
  };
}
