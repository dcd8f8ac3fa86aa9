import { minimumAmount, formatAmount } from "./currencies";
import { invalidRequest, resourceMissing } from "./errors";
import { recordEvent } from "./events";
import { newId } from "./ids";
import { listObject, type CheckoutSession, type Customer, type LineItem, type Metadata, type Price, type StripeEvent } from "./objects";
import type { RequestInfo, StandInRuntime } from "./runtime";

// Checkout Sessions in payment mode: creation from validated parameters, their line
// items, and expiry. Paying is in payments.ts.

export interface LineItemInput {
  quantity: number;
  price?: string;
  price_data?: {
    currency: string;
    unit_amount?: number;
    unit_amount_decimal?: string;
    product?: string;
    product_data?: { name: string; description?: string; metadata?: Metadata };
  };
}

export interface SessionInput {
  mode: string;
  line_items?: LineItemInput[];
  customer?: string;
  customer_email?: string;
  success_url?: string;
  cancel_url?: string;
  client_reference_id?: string;
  metadata?: Metadata;
  payment_intent_data?: { metadata?: Metadata; description?: string };
  payment_method_types?: string[];
  expires_at?: number;
  locale?: string;
}

const DEFAULT_LIFETIME = 24 * 60 * 60;
const MIN_LIFETIME = 30 * 60;

function unitAmount(data: NonNullable<LineItemInput["price_data"]>, param: string): number {
  if (data.unit_amount !== undefined && data.unit_amount_decimal !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: unit_amount, unit_amount_decimal.", `${param}[unit_amount]`);
  }
  if (data.unit_amount !== undefined) return data.unit_amount;
  if (data.unit_amount_decimal !== undefined) {
    if (!/^\d+$/.test(data.unit_amount_decimal)) {
      // Fractional minor units exist in Stripe for metered prices, never for a one-off payment.
      throw invalidRequest(`Invalid decimal: ${data.unit_amount_decimal}; the stand-in accepts whole minor units only`, `${param}[unit_amount_decimal]`);
    }
    return Number(data.unit_amount_decimal);
  }
  throw invalidRequest("You must specify either `unit_amount` or `unit_amount_decimal` in `price_data`.", `${param}[unit_amount]`);
}

function buildLineItem(runtime: StandInRuntime, input: LineItemInput, index: number): LineItem {
  const param = `line_items[${index}]`;
  if (input.price !== undefined) throw resourceMissing("price", input.price, `${param}[price]`);
  const data = input.price_data;
  if (!data) throw invalidRequest(`You must specify either \`price\` or \`price_data\` in ${param}.`, param);
  if (data.product !== undefined) throw resourceMissing("product", data.product, `${param}[price_data][product]`);
  if (!data.product_data) throw invalidRequest("You must specify either `product` or `product_data` in `price_data`.", `${param}[price_data]`);
  const amount = unitAmount(data, `${param}[price_data]`);
  const now = runtime.state.now();
  const product = runtime.state.put({
    id: newId("product"),
    object: "product",
    active: false,
    created: now,
    description: data.product_data.description ?? null,
    images: [],
    livemode: false,
    metadata: data.product_data.metadata ?? {},
    name: data.product_data.name,
    type: "service",
    updated: now,
    url: null,
  });
  const price: Price = {
    id: newId("price"),
    object: "price",
    active: false,
    billing_scheme: "per_unit",
    created: now,
    currency: data.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: product.id,
    recurring: null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: "one_time",
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
  const total = amount * input.quantity;
  return {
    id: newId("item"),
    object: "item",
    amount_discount: 0,
    amount_subtotal: total,
    amount_tax: 0,
    amount_total: total,
    currency: data.currency,
    description: data.product_data.name,
    price,
    quantity: input.quantity,
  };
}

function checkRules(runtime: StandInRuntime, input: SessionInput): Customer | undefined {
  if (input.mode !== "payment") {
    throw invalidRequest(`The Stripe stand-in implements Checkout in payment mode only; mode=${input.mode} is not modelled.`, "mode");
  }
  if (!input.line_items || input.line_items.length === 0) throw invalidRequest("line_items is required in payment mode.", "line_items", "parameter_missing");
  if (input.customer !== undefined && input.customer_email !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer_email");
  }
  if (input.customer === undefined) return undefined;
  const customer = runtime.state.find<Customer>("customer", input.customer);
  if (!customer) throw resourceMissing("customer", input.customer, "customer");
  return customer;
}

export function createSession(runtime: StandInRuntime, input: SessionInput): CheckoutSession {
  const customer = checkRules(runtime, input);
  const now = runtime.state.now();
  const expiresAt = input.expires_at ?? now + DEFAULT_LIFETIME;
  if (expiresAt < now + MIN_LIFETIME || expiresAt > now + DEFAULT_LIFETIME) {
    throw invalidRequest("The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
  }
  const items = input.line_items!.map((item, i) => buildLineItem(runtime, item, i));
  const currency = items[0]!.currency;
  if (items.some((item) => item.currency !== currency)) {
    throw invalidRequest("All line items must use the same currency; Checkout does not support mixing currencies.", "line_items");
  }
  const total = items.reduce((sum, item) => sum + item.amount_total, 0);
  if (total < minimumAmount(currency)) {
    throw invalidRequest(
      `The Checkout Session's total amount due must add up to at least ${formatAmount(minimumAmount(currency), currency)} ${currency}`,
      "line_items",
      "amount_too_small",
    );
  }
  const id = newId("checkout.session");
  const session: CheckoutSession = {
    id,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancel_url ?? null,
    client_reference_id: input.client_reference_id ?? null,
    client_secret: null,
    created: now,
    currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customer?.id ?? null,
    customer_creation: customer ? null : "if_required",
    customer_details: null,
    customer_email: input.customer_email ?? null,
    expires_at: expiresAt,
    invoice: null,
    livemode: false,
    locale: input.locale ?? null,
    metadata: input.metadata ?? {},
    mode: "payment",
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_types: input.payment_method_types ?? ["card"],
    payment_status: "unpaid",
    recovered_from: null,
    setup_intent: null,
    shipping_details: null,
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: input.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: `${runtime.publicUrl()}/pay/${id}`,
  };
  runtime.state.put(session);
  runtime.state.sessions.set(id, {
    lineItems: items,
    paymentIntentData: { metadata: input.payment_intent_data?.metadata ?? {}, description: input.payment_intent_data?.description ?? null },
  });
  return session;
}

export function findSession(runtime: StandInRuntime, id: string, param = "id"): CheckoutSession {
  const session = runtime.state.session(id);
  if (!session) throw resourceMissing("checkout.session", id, param);
  return session;
}

export function lineItemsList(runtime: StandInRuntime, sessionId: string, limit = 10, startingAfter?: string) {
  const items = runtime.state.sessions.get(sessionId)?.lineItems ?? [];
  let start = 0;
  if (startingAfter !== undefined) {
    const at = items.findIndex((item) => item.id === startingAfter);
    if (at < 0) throw resourceMissing("item", startingAfter, "starting_after");
    start = at + 1;
  }
  const page = items.slice(start, start + limit);
  return listObject(`/v1/checkout/sessions/${sessionId}/line_items`, structuredClone(page), start + limit < items.length);
}

export function expireSession(runtime: StandInRuntime, session: CheckoutSession, request: RequestInfo): StripeEvent {
  if (session.status !== "open") {
    throw invalidRequest(
      `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
    );
  }
  session.status = "expired";
  session.url = null;
  return recordEvent(runtime, "checkout.session.expired", session, request);
}

/** Expires open sessions whose expires_at has passed on the stand-in's clock. */
export function expireDue(runtime: StandInRuntime, request: RequestInfo): StripeEvent[] {
  const now = runtime.state.now();
  return runtime.state
    .all<CheckoutSession>("checkout.session")
    .filter((s) => s.status === "open" && s.expires_at <= now)
    .map((s) => expireSession(runtime, s, request));
}
