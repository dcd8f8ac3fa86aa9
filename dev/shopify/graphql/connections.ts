import { GraphQLError } from "graphql";

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export const MAX_PAGE = 250;

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ last_id: key })).toString("base64");
}

function decodeCursor(cursor: string): string | number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id?: string | number };
    if (parsed.last_id === undefined) throw new Error("no id");
    return parsed.last_id;
  } catch {
    throw new GraphQLError("Invalid cursor for current pagination sort.", { extensions: { code: "BAD_REQUEST" } });
  }
}

/**
 * Relay pagination the way Shopify applies it: one of first/last is required (except
 * inside a bulk operation), at most 250, cursors opaque.
 */
export function connection<T, N>(
  items: T[],
  args: PageArgs,
  keyOf: (item: T) => string | number,
  toNode: (item: T) => N,
  options: { unbounded?: boolean } = {},
) {
  const { first, last, after, before } = args;
  if (!options.unbounded) {
    if (first == null && last == null) {
      throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
    }
    if ((first ?? 0) > MAX_PAGE || (last ?? 0) > MAX_PAGE) {
      throw new GraphQLError(`The page size cannot exceed ${MAX_PAGE}`, { extensions: { code: "BAD_REQUEST" } });
    }
    if ((first ?? 0) < 0 || (last ?? 0) < 0) throw new GraphQLError("The page size must be positive");
  }
  let list = args.reverse ? [...items].reverse() : items;
  if (after) {
    const key = decodeCursor(after);
    const index = list.findIndex((i) => keyOf(i) === key);
    list = index >= 0 ? list.slice(index + 1) : [];
  }
  if (before) {
    const key = decodeCursor(before);
    const index = list.findIndex((i) => keyOf(i) === key);
    list = index >= 0 ? list.slice(0, index) : list;
  }
  const total = list.length;
  let page = list;
  if (first != null) page = page.slice(0, first);
  if (last != null) page = page.slice(Math.max(0, page.length - last));
  const startIndex = list.indexOf(page[0] as T);
  const edges = page.map((item) => ({ cursor: encodeCursor(keyOf(item)), node: toNode(item) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.length > 0 ? startIndex + page.length < total : false,
      hasPreviousPage: Boolean(after) || (page.length > 0 && startIndex > 0),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
