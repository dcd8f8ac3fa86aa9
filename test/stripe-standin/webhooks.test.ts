import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createSession, stripeError, TOLERANCE_SECONDS, useStandIn, WEBHOOK_SECRET, type Suite } from "./helpers";

const suite = await useStandIn();
const { stripe, standIn, app } = suite;
const onlyCompleted = await useStandIn({ enabledEvents: ["checkout.session.completed"] });

interface ControlReport {
  events: { id: string; type: string }[];
  deliveries: { eventId: string; type: string; status: number | null; error?: string; signature: string }[];
  [detail: string]: unknown;
}

/** A paid session, with its PaymentIntent and Charge ids. */
async function paidSession(s: Suite = suite) {
  const session = await createSession(s);
  const done = await s.control<ControlReport & { session: Stripe.Checkout.Session }>(`checkout/sessions/${session.id}/complete`, { payment: "paid" });
  expect(done.status).toBe(200);
  const intent = await s.stripe.paymentIntents.retrieve(String(done.body.session.payment_intent));
  return { session: done.body.session, intent, chargeId: String(intent.latest_charge), report: done.body };
}

function verify(raw: string, header: unknown, tolerance = TOLERANCE_SECONDS): Stripe.Event {
  return stripe.webhooks.constructEvent(raw, String(header), WEBHOOK_SECRET, tolerance);
}

describe("refunds", () => {
  it("sends charge.refunded with the charge's amount_refunded, partial then full", async () => {
    const { intent, chargeId } = await paidSession();
    const partial = await suite.control<ControlReport>("refunds", { payment_intent: intent.id, amount: 500 });
    expect(partial.status).toBe(200);
    expect(partial.body.events.map((e) => e.type)).toEqual(["refund.created", "charge.refunded"]);
    expect(partial.body.deliveries.map((d) => d.status)).toEqual([200, 200]);
    const refundedEvent = await stripe.events.retrieve(partial.body.events[1]!.id);
    expect(refundedEvent.data.object).toMatchObject({ object: "charge", id: chargeId, amount: 1900, amount_refunded: 500, refunded: false });
    expect(refundedEvent.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });

    const rest = await stripe.refunds.create({ payment_intent: intent.id });
    expect(rest).toMatchObject({ object: "refund", amount: 1400, charge: chargeId, payment_intent: intent.id, status: "succeeded" });
    expect(rest.id).toMatch(/^re_/);
    await standIn.idle();
    const last = suite.verifiedEvents().filter((e) => e.type === "charge.refunded").at(-1)!;
    expect(last.data.object).toMatchObject({ id: chargeId, amount_refunded: 1900, refunded: true });
    expect(last.request).toEqual({ id: rest.lastResponse.requestId, idempotency_key: expect.any(String) });

    const again = await stripeError(stripe.refunds.create({ charge: chargeId }));
    expect(again).toMatchObject({ type: "StripeInvalidRequestError", code: "charge_already_refunded" });
  });

  it("refuses a refund larger than what is left, and a refund naming nothing", async () => {
    const { chargeId } = await paidSession();
    const tooMuch = await stripeError(stripe.refunds.create({ charge: chargeId, amount: 5000 }));
    expect(tooMuch).toMatchObject({ code: "amount_too_large", param: "amount" });
    expect(tooMuch.message).toBe("Refund amount ($50.00) is greater than unrefunded amount on charge ($19.00)");
    const nothing = await stripeError(stripe.refunds.create({}));
    expect(nothing.message).toMatch(/payment_intent or charge/);
  });
});

describe("disputes", () => {
  it("opens a dispute with charge.dispute.created, blocks refunds, and closes it", async () => {
    const { session, intent, chargeId } = await paidSession();
    const opened = await suite.control<ControlReport & { dispute: Stripe.Dispute }>("disputes", { checkout_session: session.id });
    expect(opened.status).toBe(200);
    expect(opened.body.events.map((e) => e.type)).toEqual(["charge.dispute.created"]);
    expect(opened.body.deliveries[0]!.status).toBe(200);
    const event = suite.verifiedEvents().find((e) => e.id === opened.body.events[0]!.id)!;
    expect(event.data.object).toMatchObject({ object: "dispute", amount: 1900, charge: chargeId, payment_intent: intent.id, status: "needs_response", currency: "usd" });
    expect((event.data.object as Stripe.Dispute).id).toMatch(/^dp_/);
    expect((await stripe.charges.retrieve(chargeId)).disputed).toBe(true);

    const refund = await stripeError(stripe.refunds.create({ charge: chargeId }));
    expect(refund.code).toBe("charge_disputed");
    const closed = await suite.control<ControlReport>(`disputes/${opened.body.dispute.id}/close`, { status: "lost" });
    expect(closed.body.events.map((e) => e.type)).toEqual(["charge.dispute.closed"]);
    expect((await stripe.disputes.retrieve(opened.body.dispute.id)).status).toBe("lost");
  });

  it("takes a partial amount and refuses a second dispute on the same charge", async () => {
    const { chargeId } = await paidSession();
    const opened = await suite.control<ControlReport & { dispute: Stripe.Dispute }>("disputes", { charge: chargeId, amount: 700, reason: "product_not_received" });
    expect(opened.body.dispute).toMatchObject({ amount: 700, reason: "product_not_received" });
    expect((await suite.control("disputes", { charge: chargeId })).status).toBe(409);
  });
});

describe("delivery", () => {
  it("redelivers one event N times at once, the same bytes every time", async () => {
    const { report } = await paidSession();
    const completed = report.events.find((e) => e.type === "checkout.session.completed")!;
    const from = app.hooks().length;
    const again = await suite.control<ControlReport>(`events/${completed.id}/redeliver`, { times: 5 });
    expect(again.status).toBe(200);
    expect(again.body.deliveries).toHaveLength(5);
    expect(again.body.deliveries.every((d) => d.eventId === completed.id && d.status === 200)).toBe(true);
    const hooks = app.hooks().slice(from);
    expect(hooks).toHaveLength(5);
    const original = app.hooks().find((h) => h.raw.includes(`"id": "${completed.id}"`))!;
    for (const hook of hooks) {
      expect(hook.raw).toBe(original.raw);
      expect(verify(hook.raw, hook.headers["stripe-signature"]).id).toBe(completed.id);
    }
    expect(standIn.state.deliveriesOf(completed.id)).toHaveLength(6);
  });

  it("signs a stale redelivery ten minutes back: constructEvent refuses it on age alone", async () => {
    const { report } = await paidSession();
    const completed = report.events.at(-1)!;
    const from = app.hooks().length;
    const stale = await suite.control<ControlReport>(`events/${completed.id}/redeliver`, { signature: "stale" });
    expect(stale.body.deliveries[0]).toMatchObject({ signature: "stale", status: 200 });
    const hook = app.hooks()[from]!;
    const t = Number(/^t=(\d+),/.exec(String(hook.headers["stripe-signature"]))![1]);
    expect(Math.round(Date.now() / 1000 - t)).toBeGreaterThanOrEqual(600);
    expect(() => verify(hook.raw, hook.headers["stripe-signature"])).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verify(hook.raw, hook.headers["stripe-signature"])).toThrow(/Timestamp outside the tolerance zone/);
    // With the age check off the HMAC itself is right.
    expect(verify(hook.raw, hook.headers["stripe-signature"], 0).id).toBe(completed.id);
  });

  it("signs with another secret on request: constructEvent finds no matching signature", async () => {
    const { report } = await paidSession();
    const from = app.hooks().length;
    await suite.control(`events/${report.events.at(-1)!.id}/redeliver`, { signature: "wrong_secret" });
    const hook = app.hooks()[from]!;
    expect(() => verify(hook.raw, hook.headers["stripe-signature"])).toThrow(/No signatures found matching the expected signature/);
  });

  it("a changed byte no longer verifies", async () => {
    await paidSession();
    const hook = app.hooks().at(-1)!;
    expect(() => verify(hook.raw.replace('"livemode": false', '"livemode": true'), hook.headers["stripe-signature"])).toThrow(/No signatures found/);
    expect(() => verify(JSON.stringify(JSON.parse(hook.raw)), hook.headers["stripe-signature"])).toThrow(/No signatures found/);
  });

  it("sends an event of any type around a given object", async () => {
    const from = app.hooks().length;
    const sent = await suite.control<ControlReport>("events", { type: "atelier.test.unknown", object: { id: "thing_1", object: "thing", note: "ünïcode ✓" } });
    expect(sent.status).toBe(200);
    expect(sent.body.deliveries[0]!.status).toBe(200);
    const event = verify(app.hooks()[from]!.raw, app.hooks()[from]!.headers["stripe-signature"]);
    expect(event).toMatchObject({ id: sent.body.events[0]!.id, type: "atelier.test.unknown", data: { object: { id: "thing_1", note: "ünïcode ✓" } } });
    expect((await stripe.events.retrieve(event.id)).type).toBe("atelier.test.unknown");
  });

  it("records the app's answer for every delivery, and an app that does not answer", async () => {
    app.answer(500);
    const failing = await paidSession();
    app.answer(200);
    expect(failing.report.deliveries.every((d) => d.status === 500)).toBe(true);
    const completedId = failing.report.events.at(-1)!.id;
    expect(standIn.state.deliveriesOf(completedId).map((d) => d.status)).toEqual([500]);
    expect((await stripe.events.retrieve(completedId)).pending_webhooks).toBe(1);

    const target = standIn.config.webhookUrl;
    standIn.setWebhookUrl("http://127.0.0.1:9/webhooks/stripe");
    try {
      const unreachable = await paidSession();
      expect(unreachable.report.deliveries.every((d) => d.status === null && typeof d.error === "string")).toBe(true);
    } finally {
      standIn.setWebhookUrl(target);
    }
  });

  it("sends on its own only the event types the endpoint is enabled for", async () => {
    const { report } = await paidSession(onlyCompleted);
    expect(report.events.length).toBeGreaterThan(1);
    expect(report.deliveries.map((d) => d.type)).toEqual(["checkout.session.completed"]);
    const forced = await onlyCompleted.control<ControlReport>("events", { type: "charge.refunded", object: { id: "ch_x", object: "charge" } });
    expect(forced.body.deliveries.map((d) => d.status)).toEqual([200]);
  });

  it("refuses malformed control requests", async () => {
    expect((await suite.control("refunds", { payment_intent: "pi_x", bogus: true })).status).toBe(400);
    expect((await suite.control("checkout/sessions/cs_test_missing/complete", {})).status).toBe(404);
    expect((await suite.control("events/evt_missing/redeliver", {})).status).toBe(404);
    const { report } = await paidSession();
    expect((await suite.control(`events/${report.events[0]!.id}/redeliver`, { times: 51 })).status).toBe(400);
    expect((await suite.control("events", { type: "x" })).status).toBe(400);
  });
});
