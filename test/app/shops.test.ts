import { describe, expect, it } from "vitest";
import { recordInstall } from "~/services/shops.server";
import { uniqueShopDomain, useTestDb } from "../support/db";

const h = useTestDb(12);

describe("recording installs", () => {
  it("creates one shop with its details and one bonus when first requests race", async () => {
    const domain = uniqueShopDomain("race");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        recordInstall(h.prisma, { domain, welcomeCredits: 10, ...(i === 7 ? { name: "Race Boutique", email: "a@b.example" } : {}) }),
      ),
    );
    const shops = await h.prisma.shop.findMany({ where: { domain } });
    expect(shops).toHaveLength(1);
    expect(shops[0]).toMatchObject({ name: "Race Boutique", email: "a@b.example" });
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shops[0]!.id } })).toBe(1);
    expect((await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: shops[0]!.id } })).balance).toBe(10);
  });

  it("refuses a domain that is not a shop", async () => {
    await expect(recordInstall(h.prisma, { domain: "evil.example.com", welcomeCredits: 10 })).rejects.toThrow(/not a shop domain/);
  });
});
