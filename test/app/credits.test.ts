import { describe, expect, it } from "vitest";
import { action, loader } from "~/routes/app.credits";
import { loader as exportLoader } from "~/routes/app.credits.export";
import { adjust, grantPurchase } from "~/services/credits/operations.server";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

async function shopWithHistory(entries: number) {
  const shop = await makeShop(h);
  await storeOfflineSession(h.prisma, shop.domain);
  for (let i = 0; i < entries; i++) await grantPurchase(h.prisma, shop.id, { credits: i + 1, key: `p-${shop.id}-${i}`, description: i === 0 ? '=HYPERLINK("x"), "quoted"' : `Pack ${i}` });
  return shop;
}

describe("the credits page", () => {
  it("pages through the ledger, newest first", async () => {
    const shop = await shopWithHistory(60);
    const first = await loader(args(await embeddedRequest(shop.domain, "/app/credits")));
    expect(first.balance).toBe((60 * 61) / 2);
    expect(first.entries).toHaveLength(50);
    expect(first.entries[0]!.amount).toBe(60);
    expect(first.olderCursor).toBeTruthy();
    const older = await loader(args(await embeddedRequest(shop.domain, `/app/credits?before=${first.olderCursor}`)));
    expect(older.entries.map((e) => e.amount)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(older.olderCursor).toBeNull();
    expect(older.paged).toBe(true);
    // A malformed cursor is the first page, not an error.
    expect((await loader(args(await embeddedRequest(shop.domain, "/app/credits?before=abc")))).entries[0]!.amount).toBe(60);
  });

  it("exports the ledger as CSV, oldest first, with formulas defused", async () => {
    const shop = await shopWithHistory(3);
    await adjust(h.prisma, shop.id, { amount: -2, key: `adj-${shop.id}`, description: "Correction, by ops" });
    const response = await exportLoader(args(await embeddedRequest(shop.domain, "/app/credits/export")));
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await response.text()).trim().split("\n");
    expect(lines[0]).toBe("date,type,amount,balance_after,job_id,reference,description");
    expect(lines.slice(1).map((l) => l.split(",").slice(1, 4).join(","))).toEqual(["purchase,1,1", "purchase,2,3", "purchase,3,6", "adjustment,-2,4"]);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
    expect(lines[4]).toContain('"Correction, by ops"');
    // Another shop's export holds only its own entries.
    const other = await shopWithHistory(1);
    const theirs = await (await exportLoader(args(await embeddedRequest(other.domain, "/app/credits/export")))).text();
    expect(theirs.trim().split("\n")).toHaveLength(2);
  });

  it("refuses an unknown pack or a missing key without starting a purchase", async () => {
    const shop = await shopWithHistory(0);
    const post = async (fields: Record<string, string>) =>
      (await action(args(await embeddedRequest(shop.domain, "/app/credits", { method: "POST", body: new URLSearchParams(fields) })))) as Response;
    const unknown = await post({ intent: "buy", packId: "platinum", clientKey: "abcdefgh-123" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: "That credit pack is not on sale." });
    expect((await post({ intent: "buy", packId: "starter" })).status).toBe(400);
    expect((await post({ intent: "refund-me" })).status).toBe(400);
    expect(await h.prisma.appPurchase.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
