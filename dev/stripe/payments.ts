import { randomBytes } from "node:crypto";
import { findSession } from "./checkout";
import { invalidRequest } from "./errors";
import { recordEvent } from "./events";
import { newId } from "./ids";
import type { Charge, CheckoutSession, Customer, PaymentIntent, StripeEvent } from "./objects";
import type { RequestInfo, StandInRuntime } from "./runtime";

// What happens when the shopper pays on the hosted page (or a test says they did):
// a PaymentIntent and its Charge, the session completed, and the events Stripe
// emits for it, in Stripe's order. "async" is a bank debit that settles later.

export type PaymentOutcome = "paid" | "async";
export type AsyncOutcome = "succeeded" | "failed";

export interface PaymentResult {
  session: CheckoutSession;
  events: StripeEvent[];
}

function notOpen(session: CheckoutSession) {
  const state = session.status === "complete" ? "already complete" : "expired";
  return invalidRequest(`Checkout Session ${session.id} is ${state}; it can no longer be paid.`, undefined, undefined, 409);
}

function paymentMethodDetails(async: boolean) {
  return async
    ? { type: "us_bank_account", us_bank_account: { account_holder_type: "individual", account_type: "checking", bank_name: "STRIPE TEST BANK", last4: "6789", routing_number: "110000000" } }
    : { type: "card", card: { brand: "visa", country: "US", exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: "credit", last4: "4242" } };
}

export function payCheckoutSession(runtime: StandInRuntime, sessionId: string, outcome: PaymentOutcome, request: RequestInfo): PaymentResult {
  const { state } = runtime;
  const session = findSession(runtime, sessionId);
  if (session.status !== "open") throw notOpen(session);
  const extras = state.sessions.get(session.id)!;
  const customer = session.customer ? state.find<Customer>("customer", session.customer) : undefined;
  const email = session.customer_email ?? customer?.email ?? "shopper@example.com";
  const async = outcome === "async";
  const now = state.now();
  const piId = newId("payment_intent");
  const chargeId = newId("charge");
  const paymentMethod = newId("payment_method");
  const methodType = async ? "us_bank_account" : "card";
  const intent = state.put<PaymentIntent>({
    id: piId,
    object: "payment_intent",
    amount: session.amount_total,
    amount_capturable: 0,
    amount_received: async ? 0 : session.amount_total,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic_async",
    client_secret: `${piId}_secret_${randomBytes(12).toString("hex")}`,
    confirmation_method: "automatic",
    created: now,
    currency: session.currency,
    customer: session.customer,
    description: extras.paymentIntentData.description,
    last_payment_error: null,
    latest_charge: chargeId,
    livemode: false,
    metadata: { ...extras.paymentIntentData.metadata },
    next_action: null,
    payment_method: paymentMethod,
    payment_method_types: [methodType],
    receipt_email: null,
    status: async ? "processing" : "succeeded",
  });
  const charge = state.put<Charge>({
    id: chargeId,
    object: "charge",
    amount: session.amount_total,
    amount_captured: async ? 0 : session.amount_total,
    amount_refunded: 0,
    balance_transaction: null,
    billing_details: { address: null, email, name: customer?.name ?? null, phone: null },
    captured: !async,
    created: now,
    currency: session.currency,
    customer: session.customer,
    description: extras.paymentIntentData.description,
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: { ...extras.paymentIntentData.metadata },
    outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
    paid: !async,
    payment_intent: piId,
    payment_method: paymentMethod,
    payment_method_details: paymentMethodDetails(async),
    receipt_url: null,
    refunded: false,
    status: async ? "pending" : "succeeded",
  });
  session.status = "complete";
  session.payment_status = async ? "unpaid" : "paid";
  session.payment_intent = piId;
  session.customer_details = { email, name: customer?.name ?? null, address: null, phone: null, tax_exempt: "none", tax_ids: [] };
  session.url = null;
  const events = [recordEvent(runtime, "payment_intent.created", intent, request)];
  if (async) {
    events.push(recordEvent(runtime, "payment_intent.processing", intent, request), recordEvent(runtime, "charge.pending", charge, request));
  } else {
    events.push(recordEvent(runtime, "charge.succeeded", charge, request), recordEvent(runtime, "payment_intent.succeeded", intent, request));
  }
  events.push(recordEvent(runtime, "checkout.session.completed", session, request));
  return { session, events };
}

/** Settles a delayed payment: the session's payment turns paid, or fails and stays unpaid. */
export function resolveAsyncPayment(runtime: StandInRuntime, sessionId: string, outcome: AsyncOutcome, request: RequestInfo): PaymentResult {
  const { state } = runtime;
  const session = findSession(runtime, sessionId);
  const intent = session.payment_intent ? state.find<PaymentIntent>("payment_intent", session.payment_intent) : undefined;
  if (session.status !== "complete" || !intent || intent.status !== "processing") {
    throw invalidRequest(`Checkout Session ${session.id} has no payment awaiting funds (status ${session.status}, payment_status ${session.payment_status}).`, undefined, undefined, 409);
  }
  const charge = state.find<Charge>("charge", intent.latest_charge!)!;
  const events: StripeEvent[] = [];
  if (outcome === "succeeded") {
    Object.assign(intent, { status: "succeeded", amount_received: intent.amount });
    Object.assign(charge, { status: "succeeded", paid: true, captured: true, amount_captured: charge.amount });
    session.payment_status = "paid";
    events.push(
      recordEvent(runtime, "charge.succeeded", charge, request),
      recordEvent(runtime, "payment_intent.succeeded", intent, request),
      recordEvent(runtime, "checkout.session.async_payment_succeeded", session, request),
    );
  } else {
    const failure = { code: "insufficient_funds", message: "The account has insufficient funds to cover this payment." };
    Object.assign(charge, { status: "failed", failure_code: failure.code, failure_message: failure.message });
    Object.assign(intent, { status: "requires_payment_method", last_payment_error: { type: "card_error", ...failure } });
    events.push(
      recordEvent(runtime, "charge.failed", charge, request),
      recordEvent(runtime, "payment_intent.payment_failed", intent, request),
      recordEvent(runtime, "checkout.session.async_payment_failed", session, request),
    );
  }
  return { session, events };
}
