import { expireDue } from "./checkout";
import { invalidRequest, resourceMissing } from "./errors";
import { deliverEvent, deliverSubscribed, recordEvent } from "./events";
import { closeDispute, openDispute, refundCharge, type DisputeInput, type RefundInput } from "./money";
import type { StripeEvent, StripeObject } from "./objects";
import { payCheckoutSession, resolveAsyncPayment, type AsyncOutcome, type PaymentOutcome } from "./payments";
import { NO_REQUEST, type StandInRuntime } from "./runtime";
import type { Delivery, SignatureMode } from "./state";

// What tests make happen without a browser or a card network. Each operation
// delivers the events it caused before returning, and reports them with the app's
// answers. Reachable in-process (standIn.control) and over HTTP under /__stripe/.

export interface DeliveryReport {
  eventId: string;
  type: string;
  status: number | null;
  error?: string;
  signature: SignatureMode;
}

export interface ControlResult {
  events: { id: string; type: string }[];
  deliveries: DeliveryReport[];
  [detail: string]: unknown;
}

const summary = ({ eventId, type, status, error, signature }: Delivery): DeliveryReport => ({ eventId, type, status, signature, ...(error ? { error } : {}) });

export const MAX_REDELIVERIES = 50;

export function controls(runtime: StandInRuntime) {
  async function report(events: StripeEvent[], detail: Record<string, unknown>): Promise<ControlResult> {
    const deliveries = await deliverSubscribed(runtime, events);
    return { ...detail, events: events.map((e) => ({ id: e.id, type: e.type })), deliveries: deliveries.map(summary) };
  }
  function requireWebhookUrl() {
    if (!runtime.config.webhookUrl) throw invalidRequest("The Stripe stand-in has no webhookUrl; set one before delivering events.", undefined, undefined, 409);
  }

  return {
    /** The shopper pays on the hosted page: by card ("paid") or by a bank debit that settles later ("async"). */
    completeSession(sessionId: string, payment: PaymentOutcome = "paid") {
      const { session, events } = payCheckoutSession(runtime, sessionId, payment, NO_REQUEST);
      return report(events, { session });
    },
    resolveAsyncPayment(sessionId: string, outcome: AsyncOutcome) {
      const { session, events } = resolveAsyncPayment(runtime, sessionId, outcome, NO_REQUEST);
      return report(events, { session });
    },
    /** A refund as the Dashboard makes it: full unless `amount` is given. */
    refund(input: RefundInput) {
      const { refund, charge, events } = refundCharge(runtime, input, NO_REQUEST);
      return report(events, { refund, charge });
    },
    /** The card network opens a dispute on the charge. */
    dispute(input: DisputeInput) {
      const { dispute, events } = openDispute(runtime, input, NO_REQUEST);
      return report(events, { dispute });
    },
    closeDispute(disputeId: string, status: "won" | "lost") {
      const { dispute, events } = closeDispute(runtime, disputeId, status, NO_REQUEST);
      return report(events, { dispute });
    },
    /** Sends an existing event again, `times` deliveries at once, with the same bytes. */
    async redeliver(eventId: string, options: { times?: number; signature?: SignatureMode } = {}): Promise<ControlResult> {
      const event = runtime.state.find<StripeEvent>("event", eventId);
      if (!event) throw resourceMissing("event", eventId);
      requireWebhookUrl();
      const times = options.times ?? 1;
      if (!Number.isInteger(times) || times < 1 || times > MAX_REDELIVERIES) throw invalidRequest(`times must be between 1 and ${MAX_REDELIVERIES}`, "times");
      const deliveries = await Promise.all(Array.from({ length: times }, () => deliverEvent(runtime, event, options.signature ?? "valid")));
      return { events: [{ id: event.id, type: event.type }], deliveries: deliveries.map(summary) };
    },
    /** Records and delivers an event of any type around the given object (for types the app does not handle). */
    async sendEvent(type: string, object: Record<string, unknown>, options: { signature?: SignatureMode } = {}): Promise<ControlResult> {
      requireWebhookUrl();
      const event = recordEvent(runtime, type, object as StripeObject, NO_REQUEST);
      const delivery = await deliverEvent(runtime, event, options.signature ?? "valid");
      return { event, events: [{ id: event.id, type }], deliveries: [summary(delivery)] };
    },
    /** Moves the stand-in's clock on (never back); sessions past expires_at expire. */
    advanceClock(seconds: number) {
      if (!Number.isFinite(seconds) || seconds < 0) throw invalidRequest("seconds must be a non-negative number", "seconds");
      runtime.state.clockOffsetMs += seconds * 1000;
      return report(expireDue(runtime, NO_REQUEST), { now: runtime.state.now() });
    },
  };
}

export type StandInControls = ReturnType<typeof controls>;
