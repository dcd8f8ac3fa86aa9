import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { API_SECRET, dataOf, expectedHmac, header, sleep, startFakeApp } from "./helpers";

const app = await startFakeApp();
const sim = await useSimulator({ products: 3, appUrl: app.url, apiSecret: API_SECRET });

type Err = { field: string[] | null; message: string };
type Purchase = { id: string; name: string; status: string; test: boolean; createdAt: string; price: { amount: string; currencyCode: string } };
type CreatePayload = { appPurchaseOneTimeCreate: { appPurchaseOneTime: Purchase | null; confirmationUrl: string | null; userErrors: Err[] } };

const CREATE = `mutation($name: String!, $price: MoneyInput!, $returnUrl: URL!, $test: Boolean) {
  appPurchaseOneTimeCreate(name: $name, price: $price, returnUrl: $returnUrl, test: $test) {
    appPurchaseOneTime { id name status test createdAt price { amount currencyCode } }
    confirmationUrl
    userErrors { field message } } }`;

const RETURN_URL = "https://atelier.example/app/credits/return?pack=small";

async function create(vars: Partial<{ name: string; price: { amount: string; currencyCode: string }; returnUrl: string; test: boolean }> = {}, token?: string) {
  return dataOf(
    await sim.gql<CreatePayload>(CREATE, { name: "100 credits", price: { amount: "9.99", currencyCode: "USD" }, returnUrl: RETURN_URL, test: true, ...vars }, token),
  ).appPurchaseOneTimeCreate;
}

async function purchases(token?: string): Promise<{ id: string; status: string }[]> {
  return dataOf(await sim.gql<{ currentAppInstallation: { oneTimePurchases: { nodes: { id: string; status: string }[] } } }>(
    `{ currentAppInstallation { oneTimePurchases(first: 10) { nodes { id status } } } }`, {}, token,
  )).currentAppInstallation.oneTimePurchases.nodes;
}

async function byNode(id: string): Promise<Purchase | null> {
  return dataOf(await sim.gql<{ node: Purchase | null }>(
    `query($id: ID!) { node(id: $id) { ... on AppPurchaseOneTime { id name status test createdAt price { amount currencyCode } } } }`, { id },
  )).node;
}

const decide = (confirmationUrl: string, decision: string) => fetch(`${confirmationUrl}?decision=${decision}`, { method: "POST", redirect: "manual" });

const purchaseHooks = () => app.requests.filter((r) => r.path === "/webhooks/app_purchases_one_time/update");

describe("one-time app purchases", () => {
  it("creates a PENDING purchase with a confirmation page", async () => {
    const r = await create();
    expect(r.userErrors).toEqual([]);
    const purchase = r.appPurchaseOneTime!;
    expect(purchase).toMatchObject({ name: "100 credits", status: "PENDING", test: true, price: { amount: "9.99", currencyCode: "USD" } });
    expect(purchase.id).toMatch(/^gid:\/\/shopify\/AppPurchaseOneTime\/\d+$/);
    expect(r.confirmationUrl!.startsWith(`${sim.url}/`)).toBe(true);

    const page = await fetch(r.confirmationUrl!);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<button[^>]*>Approve<\/button>/);
    expect(html).toMatch(/<button[^>]*>Decline<\/button>/);
    expect(html).toContain("100 credits");
    expect(html).toContain("9.99 USD");
    expect(html).toContain("test charge");
    expect(await byNode(purchase.id)).toEqual(purchase);
  });

  it("approves: 303 to returnUrl with charge_id, ACTIVE everywhere, and an app_purchases_one_time/update webhook", async () => {
    const { appPurchaseOneTime: purchase, confirmationUrl } = await create({ name: "500 credits", price: { amount: "39", currencyCode: "USD" } });
    const numericId = purchase!.id.split("/").at(-1)!;
    const hooksBefore = purchaseHooks().length;

    const approved = await decide(confirmationUrl!, "approve");
    expect(approved.status).toBe(303);
    const location = new URL(approved.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://atelier.example/app/credits/return");
    expect(location.searchParams.get("pack")).toBe("small");
    expect(location.searchParams.get("charge_id")).toBe(numericId);

    expect((await purchases()).find((p) => p.id === purchase!.id)).toEqual({ id: purchase!.id, status: "ACTIVE" });
    expect(await byNode(purchase!.id)).toMatchObject({ status: "ACTIVE", price: { amount: "39.00", currencyCode: "USD" } });
    expect((await fetch(confirmationUrl!)).status).toBe(200);

    const hook = await app.next((r) => r.path === "/webhooks/app_purchases_one_time/update" && r.raw.includes(purchase!.id), "purchase webhook");
    expect(header(hook, "X-Shopify-Topic")).toBe("app_purchases_one_time/update");
    expect(header(hook, "X-Shopify-Shop-Domain")).toBe(sim.shop);
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
    expect(hook.json()).toEqual({
      app_purchase_one_time: expect.objectContaining({ admin_graphql_api_id: purchase!.id, name: "500 credits", status: "ACTIVE", created_at: purchase!.createdAt }),
    });

    // Deciding again changes nothing and notifies nobody.
    expect((await decide(confirmationUrl!, "decline")).status).toBe(303);
    expect(await byNode(purchase!.id)).toMatchObject({ status: "ACTIVE" });
    await sleep(30);
    expect(purchaseHooks().length).toBe(hooksBefore + 1);
  });

  it("declines: DECLINED in the API and in the webhook", async () => {
    const { appPurchaseOneTime: purchase, confirmationUrl } = await create({ name: "1000 credits", price: { amount: "69.00", currencyCode: "USD" } });
    const declined = await decide(confirmationUrl!, "decline");
    expect(declined.status).toBe(303);
    expect(new URL(declined.headers.get("location")!).searchParams.get("charge_id")).toBe(purchase!.id.split("/").at(-1));
    expect(await byNode(purchase!.id)).toMatchObject({ status: "DECLINED" });
    expect((await purchases()).find((p) => p.id === purchase!.id)?.status).toBe("DECLINED");
    const hook = await app.next((r) => r.path === "/webhooks/app_purchases_one_time/update" && r.raw.includes(purchase!.id), "decline webhook");
    expect((hook.json().app_purchase_one_time as { status: string }).status).toBe("DECLINED");
  });

  it("ignores a POST without a known decision", async () => {
    const { appPurchaseOneTime: purchase, confirmationUrl } = await create();
    expect((await fetch(confirmationUrl!, { method: "POST", redirect: "manual" })).status).toBe(400);
    expect((await decide(confirmationUrl!, "maybe")).status).toBe(400);
    expect((await fetch(confirmationUrl!, { method: "PUT" })).status).toBe(405);
    expect(await byNode(purchase!.id)).toMatchObject({ status: "PENDING" });
  });

  it("lists the shop's own purchases only, oldest first", async () => {
    const token = await sim.accessToken("billing-other.myshopify.com");
    expect(await purchases(token)).toEqual([]);
    const mine = await create({ name: "Other shop pack" }, token);
    expect((await purchases(token)).map((p) => p.id)).toEqual([mine.appPurchaseOneTime!.id]);
    const ours = await purchases();
    expect(ours.length).toBeGreaterThan(1);
    // Purchase ids are unique across shops (apps store them under a unique key).
    expect(ours.map((p) => p.id)).not.toContain(mine.appPurchaseOneTime!.id);
    const ids = ours.map((p) => Number(p.id.split("/").at(-1)));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // The confirmation page is the shop's: another shop's path does not find it.
    const foreign = mine.confirmationUrl!.replace("billing-other.myshopify.com", sim.shop);
    expect((await fetch(foreign)).status).toBe(404);
  });

  it("refuses invalid input with userErrors and creates nothing", async () => {
    const before = (await purchases()).length;
    const fields = async (vars: Parameters<typeof create>[0]) => {
      const r = await create(vars);
      expect(r.appPurchaseOneTime).toBeNull();
      expect(r.confirmationUrl).toBeNull();
      return r.userErrors.map((e) => e.field);
    };
    expect(await fields({ price: { amount: "0.49", currencyCode: "USD" } })).toEqual([["price"]]);
    expect(await fields({ price: { amount: "-5", currencyCode: "USD" } })).toEqual([["price"]]);
    expect(await fields({ returnUrl: "not a url" })).toEqual([["returnUrl"]]);
    expect(await fields({ returnUrl: "javascript:alert(1)" })).toEqual([["returnUrl"]]);
    expect(await fields({ returnUrl: "https://" })).toEqual([["returnUrl"]]);
    expect(await fields({ name: "   " })).toEqual([["name"]]);
    expect(await fields({ name: "", price: { amount: "0.1", currencyCode: "USD" }, returnUrl: "x" })).toEqual([["name"], ["price"], ["returnUrl"]]);
    expect((await purchases()).length).toBe(before);

    const minimum = await create({ price: { amount: "0.50", currencyCode: "USD" } });
    expect(minimum.userErrors).toEqual([]);
    expect(minimum.appPurchaseOneTime!.price.amount).toBe("0.50");
  });

  it("answers unknown charges with 404", async () => {
    expect((await fetch(`${sim.url}/admin/charges/${sim.shop}/1/confirm`)).status).toBe(404);
    expect((await fetch(`${sim.url}/admin/charges/${sim.shop}/1/confirm?decision=approve`, { method: "POST", redirect: "manual" })).status).toBe(404);
  });
});
