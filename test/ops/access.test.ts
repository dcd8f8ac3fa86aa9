import { afterAll, describe, expect, it } from "vitest";
import { closeQueues } from "~/queues.server";
import { loader as layoutLoader } from "~/routes/ops";
import { action as pageAction, loader as pageLoader } from "~/routes/ops._index";
import { action as queuesAction, loader as queuesLoader } from "~/routes/ops.queues.$";
import { useTestDb } from "../support/db";
import { embeddedRequest } from "../support/shopify";
import { args, failedJob, outcome, shopWithStaff, staffRequest } from "./support";

const h = useTestDb(4);
afterAll(() => closeQueues());

async function everyOpsEntry(shop: string, userId: string) {
  const page = await staffRequest(shop, userId, "/ops");
  const layout = await outcome(layoutLoader(args(page)));
  const data = await outcome(pageLoader(args(await staffRequest(shop, userId, "/ops"))));
  const triage = await outcome(
    pageAction(args(await staffRequest(shop, userId, "/ops?index", { method: "POST", body: new URLSearchParams({ intent: "refund-and-retry", jobId: crypto.randomUUID() }) }))),
  );
  const dashboard = await outcome(queuesLoader(args(await staffRequest(shop, userId, "/ops/queues/"), { "*": "" })));
  const api = await outcome(queuesLoader(args(await staffRequest(shop, userId, "/ops/queues/api/queues"), { "*": "api/queues" })));
  const pause = await outcome(
    queuesAction(args(await staffRequest(shop, userId, "/ops/queues/api/queues/generate/pause", { method: "PUT" }), { "*": "api/queues/generate/pause" })),
  );
  return [layout, data, triage, dashboard, api, pause];
}

function expectNotFound(results: unknown[]) {
  for (const result of results) {
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).status).toBe(404);
    expect((result as Response).headers.get("Set-Cookie")).toBeNull();
  }
}

describe("who gets into /ops", () => {
  it("a merchant's staff without a role gets the plain 404 everywhere, cookie-less", async () => {
    const { shop, userId } = await shopWithStaff(h, { label: "merchant" });
    const results = await everyOpsEntry(shop.domain, userId);
    expectNotFound(results);
    expect(await (results[0] as Response).text()).toBe("Not Found");
    // The default staff user of the shared test helper is nobody either.
    expectNotFound([await outcome(pageLoader(args(await embeddedRequest(shop.domain, "/ops"))))]);
  });

  it("an operator of another shop is nobody in this one, even with the same user id", async () => {
    const home = await shopWithStaff(h, { label: "agency", role: "operator" });
    const other = await shopWithStaff(h, { label: "elsewhere", userId: home.userId });
    expectNotFound(await everyOpsEntry(other.shop.domain, home.userId));
  });

  it("another staff member of the operator's own shop is nobody", async () => {
    const home = await shopWithStaff(h, { label: "agency", role: "admin" });
    expectNotFound(await everyOpsEntry(home.shop.domain, `${home.userId}0`));
  });

  it("an operator sees every shop's data: jobs, purchases, failed jobs with their shop, ledger, queues", async () => {
    const { shop, jobId } = await failedJob(h, { variations: 2 });
    const op = await shopWithStaff(h, { label: "agency", role: "operator" });
    const request = await staffRequest(op.shop.domain, op.userId, "/ops");
    expect(await layoutLoader(args(request))).toMatchObject({ apiKey: expect.any(String) });
    const data = await pageLoader(args(await staffRequest(op.shop.domain, op.userId, "/ops")));
    expect(data.operator).toEqual({ userId: op.userId, shopDomain: op.shop.domain, role: "operator" });
    expect(data.jobs).toEqual(expect.arrayContaining([{ status: "failed", jobs: 1 }, { status: "pending", jobs: 1 }]));
    expect(data.purchases).toMatchObject({ purchases: 1, credits: 10 });
    expect(data.failed).toEqual([
      expect.objectContaining({ id: jobId, shopId: shop.id, shopDomain: shop.domain, errorCode: "provider_error", errorMessage: "the provider gave up", refunded: true, retriedAs: null }),
    ]);
    expect(data.ledger.discrepancies).toEqual([]);
    expect(data.ledger.shops).toBeGreaterThanOrEqual(2);
    expect(data.queues.map((q) => q.queue)).toEqual(["import", "generate", "publish"]);
    for (const q of data.queues) expect(q.counts).toMatchObject({ waiting: 0, active: 0, failed: 0 });
  });
});
