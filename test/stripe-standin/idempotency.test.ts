import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSession, rawApi, stripeError, useStandIn } from "./helpers";

const suite = await useStandIn();
const { stripe, standIn } = suite;
const sessionCount = () => standIn.state.all("checkout.session").length;

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and parameters, creating nothing more", async () => {
    const key = randomUUID();
    const before = sessionCount();
    const first = await createSession(suite, {}, { idempotencyKey: key });
    const replay = await createSession(suite, {}, { idempotencyKey: key });
    expect(replay.id).toBe(first.id);
    expect(replay).toEqual(first);
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(replay.lastResponse.headers["original-request"]).toBe(first.lastResponse.requestId);
    expect(replay.lastResponse.requestId).not.toBe(first.lastResponse.requestId);
    expect(sessionCount()).toBe(before + 1);
  });

  it("refuses the same key with other parameters or on another endpoint", async () => {
    const key = randomUUID();
    await createSession(suite, {}, { idempotencyKey: key });
    const changed = await stripeError(createSession(suite, { client_reference_id: "other" }, { idempotencyKey: key }));
    expect(changed.type).toBe("StripeIdempotencyError");
    expect(changed.rawType).toBe("idempotency_error");
    expect(changed.statusCode).toBe(400);
    expect(changed.message).toMatch(/same parameters they were first used with/);
    const elsewhere = await stripeError(stripe.customers.create({}, { idempotencyKey: key }));
    expect(elsewhere.type).toBe("StripeIdempotencyError");
    expect(elsewhere.message).toMatch(/same endpoint/);
  });

  it("compares parameters, not the order they were sent in", async () => {
    const key = randomUUID();
    const a = await rawApi(standIn, "POST", "/v1/customers", "email=order%40idem.test&metadata[shop]=order.myshopify.com", { "Idempotency-Key": key });
    const b = await rawApi(standIn, "POST", "/v1/customers", "metadata[shop]=order.myshopify.com&email=order%40idem.test", { "Idempotency-Key": key });
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
  });

  it("saves nothing for a request refused by validation, so a corrected retry goes through", async () => {
    const key = randomUUID();
    const refused = await stripeError(createSession(suite, { colour: "red" } as never, { idempotencyKey: key }));
    expect(refused.param).toBe("colour");
    const retried = await createSession(suite, {}, { idempotencyKey: key });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("replays an error the endpoint returned once it had started", async () => {
    const key = randomUUID();
    const first = await stripeError(createSession(suite, { customer: "cus_gone" }, { idempotencyKey: key }));
    expect(first.code).toBe("resource_missing");
    const again = await stripeError(createSession(suite, { customer: "cus_gone" }, { idempotencyKey: key }));
    expect(again.code).toBe("resource_missing");
    expect(again.headers?.["idempotent-replayed"]).toBe("true");
  });

  it("keeps the SDK's own per-call keys apart: two identical calls make two sessions", async () => {
    const a = await createSession(suite);
    const b = await createSession(suite);
    expect(a.id).not.toBe(b.id);
  });

  it("refuses keys longer than 255 characters", async () => {
    const error = await stripeError(stripe.customers.create({}, { idempotencyKey: "k".repeat(256) }));
    expect(error.statusCode).toBe(400);
  });

  it("forgets keys after 24 hours", async () => {
    const key = randomUUID();
    const first = await stripe.customers.create({ email: "day-one@idem.test" }, { idempotencyKey: key });
    const clock = await suite.control("clock", { advanceSeconds: 24 * 3600 + 1 });
    expect(clock.status).toBe(200);
    const later = await stripe.customers.create({ email: "day-two@idem.test" }, { idempotencyKey: key });
    expect(later.id).not.toBe(first.id);
    expect(later.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });
});
