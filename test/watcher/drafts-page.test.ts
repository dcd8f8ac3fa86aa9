import { describe, expect, it } from "vitest";
import { action, loader } from "~/routes/app.shoots._index";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

describe("watcher drafts on the Shoots page", () => {
  it("lists this shop's drafts and lets the merchant skip or approve them, never another shop's", async () => {
    const shop = await makeShop(h);
    const other = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    const mine = await h.prisma.watcherDraft.create({ data: { shopId: shop.id, productId: "gid://shopify/Product/5", mediaId: "gid://shopify/MediaImage/5" } });
    const theirs = await h.prisma.watcherDraft.create({ data: { shopId: other.id, productId: "gid://shopify/Product/6", mediaId: "gid://shopify/MediaImage/6" } });
    const page = await loader(args(await embeddedRequest(shop.domain, "/app/shoots")));
    expect(page.drafts.map((d) => d.id)).toEqual([mine.id]);

    const post = async (fields: Record<string, string>) =>
      action(args(await embeddedRequest(shop.domain, "/app/shoots", { method: "POST", body: new URLSearchParams(fields) })));
    expect(((await post({ intent: "approve-draft", draftId: theirs.id })) as Response).status).toBe(404);
    expect((await h.prisma.watcherDraft.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("draft");
    expect(((await post({ intent: "approve-draft", draftId: "nope" })) as Response).status).toBe(400);
    // No look chosen yet: approved, then not shot, with the reason shown.
    expect(await post({ intent: "approve-draft", draftId: mine.id })).toEqual({ message: "Not shot." });
    expect(await h.prisma.watcherDraft.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({
      status: "failed",
      reason: "Choose a default look for the watcher in Settings.",
    });
  });
});
