import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { startStripeStandIn } from "../../dev/stripe/server";
import { freePort, startAppServer } from "../support/app-server";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { uniqueShopDomain, useTestDb } from "../support/db";

// Buying a credit pack through Stripe Checkout: the top frame goes to Checkout, pays,
// and Stripe sends the merchant back to the credits page inside admin.

const h = useTestDb(2);
const appPort = await freePort();
const appUrl = `http://127.0.0.1:${appPort}`;
const sim = await startSimulator({ appUrl, apiKey: "atelier-dev-api-key", apiSecret: "atelier-dev-api-secret-not-for-production", products: 4 });
afterAll(() => sim.close());
// Stripe's real ordering: the shopper may be back before the webhook arrives.
const stripe = await startStripeStandIn({ secretKey: "sk_test_atelier_dev", webhookSecret: "whsec_atelier_dev", webhookUrl: `${appUrl}/webhooks/stripe`, redirectBeforeWebhook: true });
afterAll(() => stripe.close());
const app = await startAppServer({ port: appPort, simulatorUrl: sim.url, env: { BILLING_PROVIDER: "stripe", STRIPE_API_URL: stripe.url } });
const browser = await useBrowser();

describe("credits through Stripe Checkout", () => {
  it("buys a pack in Checkout, returns to the app and shows the new balance once", { timeout: 120_000 }, async () => {
    const shop = uniqueShopDomain("e2e-stripe");
    const { page, errors } = await newPage(browser);
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/credits`);
    const frame = page.frameLocator("#app-frame");
    await expect.poll(() => frame.locator("#credit-balance").textContent(), { timeout: 30_000 }).toBe("10 credits");

    await frame.getByRole("button", { name: "Buy Starter" }).click();
    await page.getByRole("button", { name: "Pay", exact: true }).waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(new RegExp(`^${stripe.url}/pay/cs_`));
    await screenshot(page, "credits-stripe-1-checkout");
    await page.getByRole("button", { name: "Pay", exact: true }).click();

    const back = page.frameLocator("#app-frame");
    await expect.poll(() => back.getByText("Payment received: 50 credits added.").count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => back.locator("#credit-balance").textContent()).toBe("60 credits");
    await screenshot(page, "credits-stripe-2-paid");
    await stripe.idle();

    const row = await h.prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const entries = await h.prisma.creditLedgerEntry.findMany({ where: { shopId: row.id, txType: "purchase" } });
    expect(entries).toHaveLength(1);
    expect(await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: row.id } })).toMatchObject({ balance: 60 });
    // The webhook arrived after the return and was recorded without a second credit.
    const completed = stripe.state.deliveries.filter((d) => d.type === "checkout.session.completed");
    expect(completed.map((d) => d.status)).toEqual([200]);

    // Cancelling in Checkout comes back with nothing charged.
    await page.goto(`${sim.url}/admin/apps/atelier?shop=${shop}&path=/app/credits`);
    await page.frameLocator("#app-frame").getByRole("button", { name: "Buy Studio" }).click({ timeout: 30_000 });
    await page.getByRole("button", { name: "Cancel" }).click({ timeout: 15_000 });
    const cancelled = page.frameLocator("#app-frame");
    await expect.poll(() => cancelled.getByText("Checkout cancelled. Nothing was charged.").count(), { timeout: 30_000 }).toBe(1);
    expect(await cancelled.locator("#credit-balance").textContent()).toBe("60 credits");
    expect(errors, app.logs.join("")).toEqual([]);
  });
});
