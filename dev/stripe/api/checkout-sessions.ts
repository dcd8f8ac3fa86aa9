import { createSession, expireSession, findSession, lineItemsList, type LineItemInput, type SessionInput } from "../checkout";
import { expand } from "../expand";
import type { Metadata } from "../objects";
import { applyMetadata, EXPAND, type Fields, type Spec } from "../params";
import type { Route } from "./route";

const unsupported = (...names: string[]): Fields => Object.fromEntries(names.map((name) => [name, { type: "unsupported" } as const]));

const PRODUCT_DATA: Spec = {
  type: "hash",
  fields: { name: { type: "string", required: true, max: 250 }, description: { type: "string", max: 1000 }, metadata: { type: "metadata" }, ...unsupported("images", "tax_code", "unit_label") },
};

const LINE_ITEM: Spec = {
  type: "hash",
  fields: {
    quantity: { type: "integer", required: true, min: 1, max: 999_999 },
    price: { type: "string", format: "id" },
    price_data: {
      type: "hash",
      fields: {
        currency: { type: "string", required: true, format: "currency" },
        unit_amount: { type: "integer", min: 0, max: 99_999_999 },
        unit_amount_decimal: { type: "string", max: 20 },
        product: { type: "string", format: "id" },
        product_data: PRODUCT_DATA,
        ...unsupported("recurring", "tax_behavior"),
      },
    },
    ...unsupported("adjustable_quantity", "dynamic_tax_rates", "tax_rates"),
  },
};

const CREATE: Fields = {
  mode: { type: "string", required: true, enum: ["payment", "setup", "subscription"] },
  line_items: { type: "array", of: LINE_ITEM, max: 100 },
  customer: { type: "string", format: "id" },
  customer_email: { type: "string", format: "email", max: 800 },
  success_url: { type: "string", format: "url", max: 5000 },
  cancel_url: { type: "string", format: "url", max: 5000 },
  client_reference_id: { type: "string", max: 200 },
  metadata: { type: "metadata" },
  payment_intent_data: {
    type: "hash",
    fields: {
      metadata: { type: "metadata" },
      description: { type: "string", max: 1000 },
      ...unsupported(
        "application_fee_amount", "capture_method", "on_behalf_of", "receipt_email", "setup_future_usage", "shipping",
        "statement_descriptor", "statement_descriptor_suffix", "transfer_data", "transfer_group",
      ),
    },
  },
  payment_method_types: {
    type: "array",
    of: { type: "string", enum: ["card", "us_bank_account", "sepa_debit", "bacs_debit", "acss_debit", "customer_balance", "link"] },
  },
  expires_at: { type: "integer", min: 0 },
  locale: { type: "string", max: 10 },
  expand: EXPAND,
  ...unsupported(
    "adaptive_pricing", "after_expiration", "allow_promotion_codes", "automatic_tax", "billing_address_collection", "branding_settings",
    "consent_collection", "currency", "custom_fields", "custom_text", "customer_creation", "customer_update", "discounts",
    "invoice_creation", "name_collection", "optional_items", "origin_context", "payment_method_collection",
    "payment_method_configuration", "payment_method_data", "payment_method_options", "permissions", "phone_number_collection",
    "redirect_on_completion", "return_url", "saved_payment_method_options", "setup_intent_data", "shipping_address_collection",
    "shipping_options", "submit_type", "subscription_data", "tax_id_collection", "ui_mode", "wallet_options",
  ),
};

type Sent<T> = Omit<T, "metadata"> & { metadata?: Metadata | null };
type RawLineItem = Omit<LineItemInput, "price_data"> & {
  price_data?: Omit<NonNullable<LineItemInput["price_data"]>, "product_data"> & { product_data?: Sent<NonNullable<NonNullable<LineItemInput["price_data"]>["product_data"]>> };
};
type RawCreate = Omit<Sent<SessionInput>, "line_items" | "payment_intent_data"> & {
  line_items?: RawLineItem[];
  payment_intent_data?: Sent<NonNullable<SessionInput["payment_intent_data"]>>;
  expand?: string[];
};

function sessionInput(raw: RawCreate): SessionInput {
  return {
    ...raw,
    metadata: applyMetadata({}, raw.metadata),
    payment_intent_data: raw.payment_intent_data && { ...raw.payment_intent_data, metadata: applyMetadata({}, raw.payment_intent_data.metadata) },
    line_items: raw.line_items?.map((item) => ({
      ...item,
      price_data: item.price_data && {
        ...item.price_data,
        product_data: item.price_data.product_data && { ...item.price_data.product_data, metadata: applyMetadata({}, item.price_data.product_data.metadata) },
      },
    })),
  };
}

export const checkoutSessionRoutes: Route[] = [
  {
    method: "POST",
    path: /^\/v1\/checkout\/sessions$/,
    params: CREATE,
    run(ctx, params) {
      const raw = params as RawCreate;
      const session = createSession(ctx.runtime, sessionInput(raw));
      return { body: expand(ctx.runtime, session, raw.expand) };
    },
  },
  {
    method: "GET",
    path: /^\/v1\/checkout\/sessions\/([^/]+)$/,
    params: { expand: EXPAND },
    run(ctx, params, [id]) {
      return { body: expand(ctx.runtime, findSession(ctx.runtime, id!), (params as { expand?: string[] }).expand) };
    },
  },
  {
    method: "GET",
    path: /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/,
    params: { limit: { type: "integer", min: 1, max: 100 }, starting_after: { type: "string" }, expand: EXPAND, ...unsupported("ending_before") },
    run(ctx, params, [id]) {
      const { limit, starting_after, expand: paths } = params as { limit?: number; starting_after?: string; expand?: string[] };
      const session = findSession(ctx.runtime, id!);
      return { body: expand(ctx.runtime, lineItemsList(ctx.runtime, session.id, limit, starting_after), paths) };
    },
  },
  {
    method: "POST",
    path: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
    params: { expand: EXPAND },
    run(ctx, params, [id]) {
      const session = findSession(ctx.runtime, id!);
      const event = expireSession(ctx.runtime, session, ctx.request);
      return { body: expand(ctx.runtime, session, (params as { expand?: string[] }).expand), events: [event] };
    },
  },
];
