// Shared by the catalog page (browser) and the catalog service (server).
export const CATALOG_SORTS = ["TITLE", "UPDATED_AT", "CREATED_AT", "PRODUCT_TYPE", "VENDOR"] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];
