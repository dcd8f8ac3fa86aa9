import { describe, expect, it } from "vitest";
import { useStripe } from "./stripe-support";

process.env.BILLING_PROVIDER = "stripe";
const { stand, hook } = await useStripe();

const { makeShop, useTestDb } = await import("../support/db");
const { embeddedRequest, storeOfflineSession } = await import("../support/shopify");
const { action: checkoutAction } = await import("~/routes/api.billing.checkout-session");
const { fulfilCheckoutSession } = await import("~/services/billing/stripe-checkout.server");
const { stripe } = await import("~/lib/billing.server");
const { getBalance } = await import("~/services/credits/queries.server");
const { createShoot } = await import("~/services/shoots/create.server");
const { CreditsOwedError } = await import("~/services/credits/errors.server");
const { DEFAULT_CREDIT_PACKS } = await import("~/lib/credit-packs");

const h = useTestDb(6);
const pack = DEFAULT_CREDIT_PACKS[0]!;
const args = (request: Request) => ({ request, params: {}, context: {} });

async function checkout(domain: string, body: unknown) {
  const request = await embeddedRequest(domain, "/api/billing/checkout-session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const response = (await checkoutAction(args(request))) as Response;
  return { status: response.status, body: (await response.json()) as { checkout_url?: string; session_id?: string; error?: string } };
}

async function shopWithSession(label: string) {
  const shop = await makeShop(h, { label });
  await storeOfflineSession(h.prisma, shop.domain);
  return shop;
}

async function purchase(label: string) {
  const shop = await shopWithSession(label);
  const created = await checkout(shop.domain, { pack_id: pack.id });
  expect(created.status).toBe(200);
  return { shop, sessionId: created.body.session_id! };
}

const eventOf = (type: string, sessionOrCharge: string) =>
  [...stand.state.all("event")].find((e) => e.type === type && JSON.stringify(e).includes(sessionOrCharge))!;

describe("Stripe checkout sessions", () => {
  it("creates one for a pack with the shop's customer, and refuses bad input without creating anything", async () => {
    const shop = await shopWithSession("stripe-create");
    const first = await checkout(shop.domain, { pack_id: pack.id, client_key: "key-123456789" });
    expect(first.status).toBe(200);
    expect(first.body.checkout_url).toMatch(new RegExp(`^${stand.url}/pay/cs_`));
    // The same client key (a double click) opens the same session.
    expect((await checkout(shop.domain, { pack_id: pack.id, client_key: "key-123456789" })).body.session_id).toBe(first.body.session_id);
    const session = await stripe().checkout.sessions.retrieve(first.body.session_id!, { expand: ["line_items"] });
    expect(session).toMatchObject({ mode: "payment", amount_total: 1900, currency: "usd", metadata: { shop_id: shop.id, pack_id: pack.id, credits: String(pack.credits) } });
    expect(session.line_items!.data[0]!.quantity).toBe(1);
    const customer = await h.prisma.stripeCustomer.findUniqueOrThrow({ where: { shopId: shop.id } });
    expect(session.customer).toBe(customer.stripeCustomerId);
    expect(await h.prisma.appPurchase.count({ where: { shopId: shop.id } })).toBe(1);

    for (const bad of [{ pack_id: "nope" }, { pack_id: pack.id, success_url: "https://evil.example/steal" }, { pack_id: pack.id, cancel_url: "javascript:alert(1)" }, "not json"]) {
      expect((await checkout(shop.domain, bad)).status).toBe(400);
    }
    expect(await h.prisma.appPurchase.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await h.prisma.stripeCustomer.count({ where: { shopId: shop.id } })).toBe(1);
  });
});

describe("Stripe fulfilment", () => {
  it("credits a paid session once, whatever the webhook and the success page do", async () => {
    const { shop, sessionId } = await purchase("stripe-paid");
    stand.setWebhookUrl(null);
    await stand.control.completeSession(sessionId, "paid");
    stand.setWebhookUrl(hook);
    const completed = eventOf("checkout.session.completed", sessionId);
    // Bad signature and stale timestamp: refused, nothing written.
    for (const signature of ["wrong_secret", "stale"] as const) {
      const r = await stand.control.redeliver(completed.id, { signature });
      expect(r.deliveries.map((d) => d.status)).toEqual([400]);
    }
    expect(await h.prisma.stripeEvent.count({ where: { id: completed.id } })).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(0);

    // The same event 20 times at once, racing the success page three times.
    const [redelivered] = await Promise.all([
      stand.control.redeliver(completed.id, { times: 20 }),
      fulfilCheckoutSession(h.prisma, stripe(), shop.id, sessionId),
      fulfilCheckoutSession(h.prisma, stripe(), shop.id, sessionId),
      fulfilCheckoutSession(h.prisma, stripe(), shop.id, sessionId),
    ]);
    expect(redelivered.deliveries.map((d) => d.status)).toEqual(Array(20).fill(200));
    expect(await getBalance(h.prisma, shop.id)).toBe(pack.credits);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await h.prisma.appPurchase.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({ status: "ACTIVE", stripeSessionId: sessionId });
    // Another shop cannot claim the session.
    const other = await shopWithSession("stripe-thief");
    expect(await fulfilCheckoutSession(h.prisma, stripe(), other.id, sessionId)).toBeNull();
    expect(await getBalance(h.prisma, other.id)).toBe(0);
  });

  it("waits for an async payment, credits it when it succeeds and nothing when it fails", async () => {
    const ok = await purchase("stripe-async-ok");
    await stand.control.completeSession(ok.sessionId, "async");
    expect(await fulfilCheckoutSession(h.prisma, stripe(), ok.shop.id, ok.sessionId)).toMatchObject({ status: "PENDING", credited: false });
    expect(await getBalance(h.prisma, ok.shop.id)).toBe(0);
    await stand.control.resolveAsyncPayment(ok.sessionId, "succeeded");
    expect(await getBalance(h.prisma, ok.shop.id)).toBe(pack.credits);

    const ko = await purchase("stripe-async-ko");
    await stand.control.completeSession(ko.sessionId, "async");
    await stand.control.resolveAsyncPayment(ko.sessionId, "failed");
    expect(await getBalance(h.prisma, ko.shop.id)).toBe(0);
    expect(await h.prisma.appPurchase.findFirstOrThrow({ where: { shopId: ko.shop.id } })).toMatchObject({ status: "DECLINED", creditedAt: null });
  });

  it("reverses refunds exactly, records what the balance cannot cover as owed, and a new pack settles it", async () => {
    const { shop, sessionId } = await purchase("stripe-refund");
    await stand.control.completeSession(sessionId, "paid");
    expect(await getBalance(h.prisma, shop.id)).toBe(50);
    const half = await stand.control.refund({ checkout_session: sessionId, amount: 950 });
    expect(half.deliveries.find((d) => d.type === "charge.refunded")!.status).toBe(200);
    expect(await getBalance(h.prisma, shop.id)).toBe(25);
    // Redelivered: nothing more.
    await stand.control.redeliver(eventOf("charge.refunded", String((half.charge as { id: string }).id)).id, { times: 3 });
    expect(await getBalance(h.prisma, shop.id)).toBe(25);

    // The merchant spends down to 5, then the rest is refunded: 20 taken, 5 owed.
    await h.prisma.$transaction((tx) =>
      tx.$queryRaw`select public.credits_post(${shop.id}::uuid, ${JSON.stringify([{ key: `spend-${shop.id}`, type: "adjustment", amount: -20, description: "spent" }])}::jsonb)`,
    );
    await stand.control.refund({ checkout_session: sessionId });
    expect(await getBalance(h.prisma, shop.id)).toBe(0);
    const debts = await h.prisma.creditDebt.findMany({ where: { shopId: shop.id } });
    expect(debts.map((d) => [d.amount, d.settledAmount, d.settledAt])).toEqual([[20, 0, null]]);
    expect(await h.prisma.appPurchase.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({ reversedCredits: 50 });
    await expect(
      createShoot(h.prisma, shop.id, { clientKey: "owed-client-key-1", productIds: ["gid://shopify/Product/1"], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } }),
    ).rejects.toThrow(CreditsOwedError);

    const next = await checkout(shop.domain, { pack_id: pack.id });
    await stand.control.completeSession(next.body.session_id!, "paid");
    expect(await getBalance(h.prisma, shop.id)).toBe(50 - 20);
    expect((await h.prisma.creditDebt.findFirstOrThrow({ where: { shopId: shop.id } })).settledAt).toBeInstanceOf(Date);
    const ledger = await h.prisma.$queryRaw<{ total: bigint; balance: number }[]>`
      select (select sum(amount) from public.credits_ledger where shop_id = ${shop.id}::uuid) as total,
             (select balance from public.credit_balances where shop_id = ${shop.id}::uuid) as balance`;
    expect(Number(ledger[0]!.total)).toBe(ledger[0]!.balance);
  });

  it("reverses a disputed pack, ignores unknown events, and a database failure writes nothing until the retry", async () => {
    const { shop, sessionId } = await purchase("stripe-dispute");
    await stand.control.completeSession(sessionId, "paid");
    const unknown = await stand.control.sendEvent("customer.tax_id.created", { id: "txi_1", object: "tax_id" });
    expect(unknown.deliveries[0]!.status).toBe(200);
    expect(await getBalance(h.prisma, shop.id)).toBe(pack.credits);

    // The ledger refuses the reversal once (a database failure): 500, nothing half-written.
    await h.prisma.$executeRawUnsafe(`create function test_fail_dispute() returns trigger language plpgsql as $$
      begin if new.description = 'Credit pack payment disputed' then raise exception 'database unavailable'; end if; return new; end $$`);
    await h.prisma.$executeRawUnsafe(`create trigger test_fail_dispute before insert on public.credits_ledger for each row execute function test_fail_dispute()`);
    const disputed = await stand.control.dispute({ checkout_session: sessionId });
    const delivery = disputed.deliveries.find((d) => d.type === "charge.dispute.created")!;
    expect(delivery.status).toBe(500);
    expect(await h.prisma.stripeEvent.count({ where: { id: delivery.eventId } })).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(pack.credits);
    expect((await h.prisma.appPurchase.findFirstOrThrow({ where: { shopId: shop.id } })).reversedCredits).toBe(0);

    await h.prisma.$executeRawUnsafe(`drop trigger test_fail_dispute on public.credits_ledger`);
    const retried = await stand.control.redeliver(delivery.eventId);
    expect(retried.deliveries[0]!.status).toBe(200);
    expect(await getBalance(h.prisma, shop.id)).toBe(0);
    const adjustment = await h.prisma.creditLedgerEntry.findFirstOrThrow({ where: { shopId: shop.id, txType: "adjustment" } });
    expect(adjustment).toMatchObject({ amount: -pack.credits, description: "Credit pack payment disputed" });
  });
});
