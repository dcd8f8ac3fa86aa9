import { resourceMissing } from "../errors";
import { expand } from "../expand";
import { recordEvent } from "../events";
import { newId } from "../ids";
import { customerObject, type Customer, type Metadata } from "../objects";
import { applyMetadata, EXPAND, type Fields } from "../params";
import { matchesCustomer, parseCustomerQuery } from "../search";
import type { ApiContext, Route } from "./route";

const UNSUPPORTED = [
  "address", "balance", "cash_balance", "coupon", "invoice_prefix", "invoice_settings", "next_invoice_sequence", "payment_method",
  "preferred_locales", "promotion_code", "shipping", "source", "tax", "tax_exempt", "tax_id_data", "test_clock", "validate",
] as const;

const WRITE: Fields = {
  email: { type: "string", max: 512, format: "email" },
  name: { type: "string", max: 256 },
  phone: { type: "string", max: 20 },
  description: { type: "string", max: 350 },
  metadata: { type: "metadata" },
  expand: EXPAND,
  ...Object.fromEntries(UNSUPPORTED.map((name) => [name, { type: "unsupported" } as const])),
};

interface CustomerWrite {
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata?: Metadata | null;
  expand?: string[];
}

function findCustomer(ctx: ApiContext, id: string): Customer {
  const customer = ctx.runtime.state.find<Customer>("customer", id);
  if (!customer) throw resourceMissing("customer", id);
  return customer;
}

function indexForSearch(ctx: ApiContext, customer: Customer) {
  ctx.runtime.state.searchVisibleAt.set(customer.id, ctx.runtime.state.now() + ctx.runtime.config.searchLagSeconds);
}

/** Opaque search cursor: the offset into the result list. */
const encodePage = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
function decodePage(page: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(page, "base64url").toString("utf8"));
  if (!match) throw resourceMissing("page", page, "page");
  return Number(match[1]);
}

export const customerRoutes: Route[] = [
  {
    method: "POST",
    path: /^\/v1\/customers$/,
    params: WRITE,
    run(ctx, params) {
      const input = params as CustomerWrite;
      const fields = { ...input, metadata: applyMetadata({}, input.metadata) };
      const customer = ctx.runtime.state.put(customerObject(newId("customer"), ctx.runtime.state.now(), fields));
      indexForSearch(ctx, customer);
      return { body: expand(ctx.runtime, customer, input.expand), events: [recordEvent(ctx.runtime, "customer.created", customer, ctx.request)] };
    },
  },
  {
    method: "GET",
    path: /^\/v1\/customers\/search$/,
    params: {
      query: { type: "string", required: true, max: 10_000 },
      limit: { type: "integer", min: 1, max: 100 },
      page: { type: "string", max: 5000 },
      expand: EXPAND,
    },
    run(ctx, params) {
      const { query, limit = 10, page, expand: paths = [] } = params as { query: string; limit?: number; page?: string; expand?: string[] };
      const parsed = parseCustomerQuery(query);
      const now = ctx.runtime.state.now();
      const matches = ctx.runtime.state
        .all<Customer>("customer")
        .filter((c) => (ctx.runtime.state.searchVisibleAt.get(c.id) ?? 0) <= now && matchesCustomer(c, parsed))
        .reverse();
      const offset = page ? decodePage(page) : 0;
      const data = matches.slice(offset, offset + limit);
      const hasMore = offset + limit < matches.length;
      const wantsTotal = paths.includes("total_count");
      const result: Record<string, unknown> = {
        object: "search_result",
        data,
        has_more: hasMore,
        next_page: hasMore ? encodePage(offset + limit) : null,
        url: "/v1/customers/search",
      };
      if (wantsTotal) result.total_count = matches.length;
      return { body: expand(ctx.runtime, result, paths.filter((p) => p !== "total_count")) };
    },
  },
  {
    method: "GET",
    path: /^\/v1\/customers\/([^/]+)$/,
    params: { expand: EXPAND },
    run(ctx, params, [id]) {
      return { body: expand(ctx.runtime, findCustomer(ctx, id!), (params as CustomerWrite).expand) };
    },
  },
  {
    method: "POST",
    path: /^\/v1\/customers\/([^/]+)$/,
    params: WRITE,
    run(ctx, params, [id]) {
      const customer = findCustomer(ctx, id!);
      const input = params as CustomerWrite;
      const previous: Record<string, unknown> = {};
      for (const field of ["email", "name", "phone", "description"] as const) {
        if (input[field] !== undefined && input[field] !== customer[field]) {
          previous[field] = customer[field];
          customer[field] = input[field];
        }
      }
      if (input.metadata !== undefined) {
        previous.metadata = customer.metadata;
        customer.metadata = applyMetadata(customer.metadata, input.metadata);
      }
      indexForSearch(ctx, customer);
      return { body: expand(ctx.runtime, customer, input.expand), events: [recordEvent(ctx.runtime, "customer.updated", customer, ctx.request, previous)] };
    },
  },
];
