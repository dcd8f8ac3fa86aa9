// Admin GraphQL documents of the catalog, checked against Shopify's schema by the
// simulated shop in tests.

export const IMPORT_PRODUCT_MEDIA = `#graphql
  query AtelierImportProductMedia($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Product {
        id
        title
        media(first: 20) {
          nodes { ... on MediaImage { id status image { url width height } } }
        }
      }
    }
  }`;

export const BULK_PRODUCT_MEDIA = `{
  products {
    edges {
      node {
        id
        media {
          edges { node { ... on MediaImage { id status image { url } } } }
        }
      }
    }
  }
}`;

export const CATALOG_PRODUCTS = `#graphql
  query AtelierCatalogProducts(
    $first: Int, $last: Int, $after: String, $before: String,
    $query: String, $sortKey: ProductSortKeys, $reverse: Boolean
  ) {
    products(first: $first, last: $last, after: $after, before: $before, query: $query, sortKey: $sortKey, reverse: $reverse) {
      nodes {
        id title status productType vendor tags
        featuredMedia { preview { image { url altText } } }
        mediaCount { count }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

export const PRODUCT_DETAIL = `#graphql
  query AtelierProductDetail($id: ID!) {
    product(id: $id) {
      id title status productType vendor tags
      options(first: 3) { name values }
      media(first: 50) { nodes { ... on MediaImage { id status alt image { url width height } } } }
    }
  }`;

export interface MediaImageNode {
  id?: string;
  status?: string;
  image?: { url: string; width?: number | null; height?: number | null } | null;
}
