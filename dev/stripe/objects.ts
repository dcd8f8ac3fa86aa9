// The shapes of the Stripe objects the stand-in keeps, as the API reference
// documents them (fields the app is unlikely to read are present with Stripe's
// defaults so that typed SDK code sees complete objects).

export type Metadata = Record<string, string>;

export interface StripeObject {
  id: string;
  object: string;
  created: number;
  livemode: false;
  [field: string]: unknown;
}

export interface Customer extends StripeObject {
  object: "customer";
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: Metadata;
}

export interface Price extends StripeObject {
  object: "price";
  currency: string;
  unit_amount: number;
  product: string;
}

export interface LineItem {
  id: string;
  object: "item";
  amount_discount: 0;
  amount_subtotal: number;
  amount_tax: 0;
  amount_total: number;
  currency: string;
  description: string;
  price: Price;
  quantity: number;
}

export interface CheckoutSession extends StripeObject {
  object: "checkout.session";
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  cancel_url: string | null;
  success_url: string | null;
  client_reference_id: string | null;
  customer: string | null;
  customer_email: string | null;
  customer_details: { email: string | null; name: string | null; [field: string]: unknown } | null;
  expires_at: number;
  metadata: Metadata;
  mode: "payment";
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: "paid" | "unpaid";
  status: "open" | "complete" | "expired";
  url: string | null;
}

export interface PaymentIntent extends StripeObject {
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  description: string | null;
  latest_charge: string | null;
  metadata: Metadata;
  payment_method_types: string[];
  status: "processing" | "succeeded" | "requires_payment_method";
}

export interface Charge extends StripeObject {
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  currency: string;
  customer: string | null;
  disputed: boolean;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  refunded: boolean;
  status: "pending" | "succeeded" | "failed";
}

export interface Refund extends StripeObject {
  object: "refund";
  amount: number;
  charge: string;
  currency: string;
  payment_intent: string;
  metadata: Metadata;
  reason: string | null;
  status: "succeeded";
}

export interface Dispute extends StripeObject {
  object: "dispute";
  amount: number;
  charge: string;
  currency: string;
  payment_intent: string;
  reason: string;
  status: "needs_response" | "won" | "lost";
}

export interface StripeEvent extends StripeObject {
  object: "event";
  api_version: string;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export function customerObject(id: string, created: number, fields: Partial<Pick<Customer, "email" | "name" | "phone" | "description" | "metadata">>): Customer {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    email: fields.email ?? null,
    invoice_prefix: id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: fields.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export function listObject<T>(url: string, data: T[], hasMore = false) {
  return { object: "list" as const, data, has_more: hasMore, url };
}
