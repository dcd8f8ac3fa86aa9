import { randomUUID } from "node:crypto";
import type { AppRole } from "@prisma/client";
import { appEnv } from "~/env.server";
import { grantPurchase } from "~/services/credits/operations.server";
import type { PrismaHandle } from "~/services/prisma.server";
import { createShoot } from "~/services/shoots/create.server";
import { failJob } from "~/services/shoots/job-state.server";
import { mintSessionToken } from "../../dev/shopify/tokens";
import { makeShop } from "../support/db";
import { storeOfflineSession } from "../support/shopify";

/** A request from inside Shopify admin by one staff member (the token's `sub`). */
export async function staffRequest(shop: string, userId: string, path: string, init: RequestInit = {}): Promise<Request> {
  const env = appEnv();
  const token = await mintSessionToken({ shop, userId, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET });
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(new URL(path, env.SHOPIFY_APP_URL), { ...init, headers });
}

export const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

/** What a loader or action threw or returned, as a Response when it is one. */
export async function outcome<T>(run: Promise<T>): Promise<T | Response> {
  return run.catch((error: unknown) => {
    if (error instanceof Response) return error;
    throw error;
  });
}

/** An installed shop with an offline session, and a staff member with a role in it. */
export async function shopWithStaff(h: PrismaHandle, p: { label: string; role?: AppRole; userId?: string }) {
  const shop = await makeShop(h, { label: p.label });
  await storeOfflineSession(h.prisma, shop.domain);
  const userId = p.userId ?? String(10_000 + Math.floor(Math.random() * 1_000_000));
  if (p.role) await h.prisma.userRole.create({ data: { shopId: shop.id, userId, role: p.role } });
  return { shop, userId };
}

/**
 * A shop with credits and one product photo, whose first shoot job failed: refunded
 * as the worker does, or (refunded: false) on a path that skipped the refund.
 */
export async function failedJob(h: PrismaHandle, p: { credits?: number; variations?: 1 | 2; refunded?: boolean } = {}) {
  const shop = await makeShop(h, { label: "merchant" });
  await grantPurchase(h.prisma, shop.id, { credits: p.credits ?? 10, key: `p-${shop.id}` });
  const productId = "gid://shopify/Product/42";
  await h.prisma.asset.create({
    data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n },
  });
  const shoot = await createShoot(h.prisma, shop.id, {
    clientKey: randomUUID(),
    productIds: [productId],
    options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard", variations: p.variations ?? 1 },
  });
  const jobId = shoot.jobIds[0]!;
  const error = { code: "provider_error", message: "the provider gave up" };
  if (p.refunded === false) {
    await h.prisma.generationJob.update({ where: { id: jobId }, data: { status: "failed", completedAt: new Date(), errorCode: error.code, errorMessage: error.message } });
  } else {
    await failJob(h.prisma, shop.id, jobId, error);
  }
  return { shop, jobId, batchId: shoot.batchId, productId };
}

/** The shop's cached balance and the sum of its ledger, which must be equal. */
export async function balanceAndLedger(h: PrismaHandle, shopId: string) {
  const balance = (await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId } })).balance;
  const sum = (await h.prisma.creditLedgerEntry.aggregate({ where: { shopId }, _sum: { amount: true } }))._sum.amount ?? 0;
  return { balance, sum };
}
