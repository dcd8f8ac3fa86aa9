import type { GeneratedProduct } from "./catalog";
import { dateMatch, searchFilter, textMatch, type Term } from "./graphql/product-query";
import type { CollectionRecord, CollectionRuleRecord, ProductRecord, ShopState } from "./state";

// A simulated shop's collections, derived from its generated catalog so the same seed
// and size always give the same ones: a smart collection per product type present
// ("Tees", "Dresses"…, rule: product type equals) and two manual ones, "New arrivals"
// (the newest products, newest first) and "Summer edit" (summer-tagged or "Summer …"
// products, in catalog order). Smart membership follows the products as they are now.

const SMART_TITLES: Record<string, string> = {
  "T-Shirt": "Tees",
  Hoodie: "Hoodies",
  Dress: "Dresses",
  Jeans: "Jeans",
  Jacket: "Jackets",
};

export const NEW_ARRIVALS_SIZE = 20;

export interface CollectionSpec {
  title: string;
  handle: string;
  descriptionHtml: string;
  sortOrder: CollectionRecord["sortOrder"];
  ruleSet: CollectionRecord["ruleSet"];
  /** Catalog indexes of a manual collection's products, in its manual order. */
  members: number[];
}

function handleOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export function generateCollections(products: GeneratedProduct[]): CollectionSpec[] {
  const specs: CollectionSpec[] = [];
  const types = new Set(products.map((p) => p.productType));
  for (const [productType, title] of Object.entries(SMART_TITLES)) {
    if (!types.has(productType)) continue;
    specs.push({
      title,
      handle: handleOf(title),
      descriptionHtml: `<p>Every ${productType.toLowerCase()} in the shop.</p>`,
      sortOrder: "CREATED_DESC",
      ruleSet: { appliedDisjunctively: false, rules: [{ column: "TYPE", relation: "EQUALS", condition: productType }] },
      members: [],
    });
  }
  const newest = [...products].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.index - b.index).slice(0, NEW_ARRIVALS_SIZE);
  specs.push({
    title: "New arrivals",
    handle: "new-arrivals",
    descriptionHtml: "<p>Just landed.</p>",
    sortOrder: "MANUAL",
    ruleSet: null,
    members: newest.map((p) => p.index),
  });
  specs.push({
    title: "Summer edit",
    handle: "summer-edit",
    descriptionHtml: "<p>Picked for the warm months.</p>",
    sortOrder: "MANUAL",
    ruleSet: null,
    members: products.filter((p) => p.tags.includes("summer") || p.title.startsWith("Summer ")).map((p) => p.index),
  });
  return specs;
}

function ruleMatches(p: ProductRecord, rule: CollectionRuleRecord): boolean {
  const value = rule.column === "TYPE" ? p.productType : rule.column === "VENDOR" ? p.vendor : rule.column === "TITLE" ? p.title : null;
  if (rule.column === "TAG") {
    const has = p.tags.some((t) => t.toLowerCase() === rule.condition.toLowerCase());
    return rule.relation === "NOT_EQUALS" ? !has : has;
  }
  if (value === null) return false;
  const a = value.toLowerCase();
  const b = rule.condition.toLowerCase();
  switch (rule.relation) {
    case "EQUALS":
      return a === b;
    case "NOT_EQUALS":
      return a !== b;
    case "CONTAINS":
      return a.includes(b);
    case "NOT_CONTAINS":
      return !a.includes(b);
    case "STARTS_WITH":
      return a.startsWith(b);
    case "ENDS_WITH":
      return a.endsWith(b);
    default:
      return false;
  }
}

/** The products in a collection, in the collection's own order (its sortOrder). */
export function collectionMembers(shop: ShopState, c: CollectionRecord): ProductRecord[] {
  if (!c.ruleSet) return c.productIds.map((id) => shop.products.get(id)).filter((p): p is ProductRecord => Boolean(p));
  const rules = c.ruleSet.rules;
  const any = c.ruleSet.appliedDisjunctively;
  const members = [...shop.products.values()].filter((p) => (any ? rules.some((r) => ruleMatches(p, r)) : rules.every((r) => ruleMatches(p, r))));
  return sortProducts(members, c.sortOrder, shop);
}

function minPrice(shop: ShopState | null, p: ProductRecord): number {
  if (!shop) return 0;
  const prices = p.variantIds.map((id) => Number(shop.variants.get(id)?.price ?? "0"));
  return prices.length ? Math.min(...prices) : 0;
}

function sortProducts(products: ProductRecord[], order: CollectionRecord["sortOrder"], shop: ShopState | null = null): ProductRecord[] {
  const byId = (a: ProductRecord, b: ProductRecord) => a.id - b.id;
  const sorted = [...products];
  switch (order) {
    case "ALPHA_ASC":
      return sorted.sort((a, b) => a.title.localeCompare(b.title) || byId(a, b));
    case "ALPHA_DESC":
      return sorted.sort((a, b) => b.title.localeCompare(a.title) || byId(a, b));
    case "CREATED":
      return sorted.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byId(a, b));
    case "CREATED_DESC":
      return sorted.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || byId(a, b));
    case "PRICE_ASC":
      return sorted.sort((a, b) => minPrice(shop, a) - minPrice(shop, b) || byId(a, b));
    case "PRICE_DESC":
      return sorted.sort((a, b) => minPrice(shop, b) - minPrice(shop, a) || byId(a, b));
    default:
      // MANUAL keeps the order given; BEST_SELLING has no sales to go by in a simulated shop.
      return sorted;
  }
}

/**
 * `Collection.products(sortKey:)` (ProductCollectionSortKeys): COLLECTION_DEFAULT is the
 * collection's own order; MANUAL is the merchant's order of a manual collection.
 */
export function collectionProductsSorted(shop: ShopState, c: CollectionRecord, sortKey: string | null | undefined): ProductRecord[] | null {
  const members = collectionMembers(shop, c);
  switch (sortKey ?? "COLLECTION_DEFAULT") {
    case "COLLECTION_DEFAULT":
    case "MANUAL":
      return members;
    case "ID":
      return [...members].sort((a, b) => a.id - b.id);
    case "TITLE":
      return sortProducts(members, "ALPHA_ASC");
    case "CREATED":
      return sortProducts(members, "CREATED");
    case "PRICE":
      return sortProducts(members, "PRICE_ASC", shop);
    default:
      return null;
  }
}

export const COLLECTION_SORTS: Record<string, (a: CollectionRecord, b: CollectionRecord) => number> = {
  ID: (a, b) => a.id - b.id,
  TITLE: (a, b) => a.title.localeCompare(b.title) || a.id - b.id,
  UPDATED_AT: (a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.id - b.id,
  // Relevance to the search terms: every match is equally relevant here.
  RELEVANCE: (a, b) => a.id - b.id,
};

/**
 * Shopify's search syntax over collections: bare words and `title:` match the title,
 * plus `handle:`, `collection_type:` (custom or smart), `id:`, `product_id:` and
 * `updated_at:`; other fields are ignored, as Shopify does.
 */
export function collectionFilter(shop: ShopState, query: string | null | undefined): (c: CollectionRecord) => boolean {
  return searchFilter<CollectionRecord>(query, (c, term: Term) => {
    switch (term.field) {
      case null:
        return c.title.toLowerCase().includes(term.value.toLowerCase().replace(/\*$/, ""));
      case "title":
        return textMatch(c.title, term.value);
      case "handle":
        return c.handle === term.value.toLowerCase() || (term.value.endsWith("*") && c.handle.startsWith(term.value.slice(0, -1).toLowerCase()));
      case "collection_type":
        return term.value.toLowerCase() === (c.ruleSet ? "smart" : "custom");
      case "id":
        return String(c.id) === term.value;
      case "product_id":
        return collectionMembers(shop, c).some((p) => String(p.id) === term.value);
      case "updated_at":
        return dateMatch(c.updatedAt, term.op, term.value);
      default:
        return true;
    }
  });
}
