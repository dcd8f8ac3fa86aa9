import { findSession } from "./checkout";
import { formatAmount } from "./currencies";
import { invalidRequest, resourceMissing } from "./errors";
import { recordEvent } from "./events";
import { newId } from "./ids";
import type { Charge, Dispute, Metadata, PaymentIntent, Refund, StripeEvent } from "./objects";
import type { RequestInfo, StandInRuntime } from "./runtime";

// Money moving back after a payment: refunds (the API's POST /v1/refunds and a
// control endpoint) and disputes (only a control endpoint: in Stripe they come
// from the card network, not from the API).

/** Which charge an operation is about: named directly, by its PaymentIntent, or by its Checkout Session. */
export interface ChargeTarget {
  charge?: string;
  payment_intent?: string;
  checkout_session?: string;
}

export function resolveCharge(runtime: StandInRuntime, target: ChargeTarget): Charge {
  const { state } = runtime;
  const named = [target.charge, target.payment_intent, target.checkout_session].filter((v) => v !== undefined);
  if (named.length !== 1) throw invalidRequest("Name exactly one of charge, payment_intent or checkout_session.", "charge");
  if (target.charge !== undefined) {
    const charge = state.find<Charge>("charge", target.charge);
    if (!charge) throw resourceMissing("charge", target.charge, "charge");
    return charge;
  }
  let intentId = target.payment_intent;
  if (target.checkout_session !== undefined) {
    const session = findSession(runtime, target.checkout_session, "checkout_session");
    if (!session.payment_intent) throw invalidRequest(`Checkout Session ${session.id} has not been paid.`, "checkout_session");
    intentId = session.payment_intent;
  }
  const intent = state.find<PaymentIntent>("payment_intent", intentId!);
  if (!intent) throw resourceMissing("payment_intent", intentId!, "payment_intent");
  const charge = intent.latest_charge ? state.find<Charge>("charge", intent.latest_charge) : undefined;
  if (!charge) throw invalidRequest(`PaymentIntent ${intent.id} does not have a successful charge to refund.`, "payment_intent");
  return charge;
}

export interface RefundInput extends ChargeTarget {
  amount?: number;
  reason?: string;
  metadata?: Metadata;
}

export function refundCharge(runtime: StandInRuntime, input: RefundInput, request: RequestInfo): { refund: Refund; charge: Charge; events: StripeEvent[] } {
  const charge = resolveCharge(runtime, input);
  if (charge.status !== "succeeded") throw invalidRequest(`Charge ${charge.id} has not succeeded (status ${charge.status}); it cannot be refunded.`, "charge");
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, "charge", "charge_disputed");
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, "charge", "charge_already_refunded");
  const amount = input.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      "amount",
      "amount_too_large",
    );
  }
  const refund = runtime.state.put<Refund>({
    id: newId("refund"),
    object: "refund",
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: runtime.state.now(),
    currency: charge.currency,
    destination_details: null,
    livemode: false,
    metadata: input.metadata ?? {},
    payment_intent: charge.payment_intent,
    reason: input.reason ?? null,
    receipt_number: null,
    status: "succeeded",
  });
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  const events = [recordEvent(runtime, "refund.created", refund, request), recordEvent(runtime, "charge.refunded", charge, request, previous)];
  return { refund, charge, events };
}

export interface DisputeInput extends ChargeTarget {
  amount?: number;
  reason?: string;
}

export function openDispute(runtime: StandInRuntime, input: DisputeInput, request: RequestInfo): { dispute: Dispute; events: StripeEvent[] } {
  const charge = resolveCharge(runtime, input);
  if (charge.status !== "succeeded") throw invalidRequest(`Charge ${charge.id} has not succeeded; it cannot be disputed.`, "charge");
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`, "charge", undefined, 409);
  const amount = input.amount ?? charge.amount;
  if (amount < 1 || amount > charge.amount) throw invalidRequest(`A dispute amount must be between 1 and the charge's ${charge.amount}.`, "amount");
  const now = runtime.state.now();
  const dispute = runtime.state.put<Dispute>({
    id: newId("dispute"),
    object: "dispute",
    amount,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    evidence: {},
    evidence_details: { due_by: now + 7 * 24 * 3600, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    reason: input.reason ?? "fraudulent",
    status: "needs_response",
  });
  charge.disputed = true;
  return { dispute, events: [recordEvent(runtime, "charge.dispute.created", dispute, request)] };
}

export function closeDispute(runtime: StandInRuntime, id: string, status: "won" | "lost", request: RequestInfo): { dispute: Dispute; events: StripeEvent[] } {
  const dispute = runtime.state.find<Dispute>("dispute", id);
  if (!dispute) throw resourceMissing("dispute", id);
  if (dispute.status !== "needs_response") throw invalidRequest(`Dispute ${id} is already closed (${dispute.status}).`, undefined, undefined, 409);
  const previous = { status: dispute.status };
  dispute.status = status;
  return { dispute, events: [recordEvent(runtime, "charge.dispute.closed", dispute, request, previous)] };
}
