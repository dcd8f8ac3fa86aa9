import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { createPrisma, type PrismaHandle } from "~/services/prisma.server";
import { recordInstall } from "~/services/shops.server";

/** A Prisma handle on this file's own database, closed after the file. */
export function useTestDb(poolSize = 10): PrismaHandle {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("per-file database not prepared");
  const handle = createPrisma(url, poolSize);
  afterAll(() => handle.close());
  return handle;
}

export function uniqueShopDomain(label = "shop"): string {
  return `${label}-${randomBytes(4).toString("hex")}.myshopify.com`;
}

/** An installed shop; welcome credits default to none so tests set balances exactly. */
export async function makeShop(handle: PrismaHandle, p: { label?: string; welcomeCredits?: number } = {}) {
  return recordInstall(handle.prisma, { domain: uniqueShopDomain(p.label), welcomeCredits: p.welcomeCredits ?? 0 });
}
