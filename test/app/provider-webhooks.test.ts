import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEV_PROVIDER_WEBHOOK_SECRET } from "~/lib/env-schema";
import { action, loader } from "~/routes/webhooks.providers.$provider";
import { grantPurchase } from "~/services/credits/operations.server";
import { providerWebhookUrl } from "~/services/providers/webhook-token.server";
import { createShoot } from "~/services/shoots/create.server";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb(2);
const post = (provider: string, url: string, body: string) =>
  action({ request: new Request(url, { method: "POST", body, headers: { "content-type": "application/json" } }), params: { provider }, context: {} });

async function submittedJob(providerJobId: string) {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits: 5, key: `g-${shop.id}` });
  const asset = await h.prisma.asset.create({
    data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/a.jpg`, productId: "gid://shopify/Product/1", mimeType: "image/jpeg", byteSize: 10n, width: 10, height: 10 },
  });
  const shoot = await createShoot(h.prisma, shop.id, {
    clientKey: randomUUID(),
    productIds: [asset.productId!],
    options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
  });
  const jobId = shoot.jobIds[0]!;
  await h.prisma.generationJob.update({ where: { id: jobId }, data: { status: "processing", provider: "fashn", providerJobId } });
  return jobId;
}

describe("the provider webhook route", () => {
  it("accepts a webhook for the job it was issued for and answers 200 at once", async () => {
    const jobId = await submittedJob("pred-123");
    const url = providerWebhookUrl("http://app.test", DEV_PROVIDER_WEBHOOK_SECRET, "fashn", jobId);
    const res = await post("fashn", url, JSON.stringify({ id: "pred-123", status: "completed", output: [], error: null }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    // The body's claims are not acted on here: the job is untouched until the worker checks.
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobId } })).status).toBe("processing");
  });

  it("refuses forged tokens (401), unknown providers (404), bad bodies and methods, and ignores others' requests", async () => {
    const jobId = await submittedJob("pred-456");
    const forged = `http://app.test/webhooks/providers/fashn?job=${jobId}&token=${"A".repeat(43)}`;
    expect((await post("fashn", forged, "{}")).status).toBe(401);
    // A token for one provider does not open another's route.
    expect((await post("fal", providerWebhookUrl("http://app.test", DEV_PROVIDER_WEBHOOK_SECRET, "fashn", jobId), "{}")).status).toBe(401);
    expect((await post("nope", "http://app.test/webhooks/providers/nope", "{}")).status).toBe(404);
    const url = providerWebhookUrl("http://app.test", DEV_PROVIDER_WEBHOOK_SECRET, "fashn", jobId);
    const malformed = await post("fashn", url, "not json");
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toEqual({ error: "Webhook refused: malformed." });
    const other = await post("fashn", url, JSON.stringify({ id: "someone-else", status: "completed", output: [], error: null }));
    expect(await other.json()).toMatchObject({ ok: true, ignored: expect.any(String) });
    expect((await post("fashn", url, "x".repeat(1024 * 1024 + 1))).status).toBe(413);
    expect((loader() as Response).status).toBe(405);
  });
});
