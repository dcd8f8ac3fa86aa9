import type { PrismaClient } from "@prisma/client";
import { keys } from "./credits/operations.server";
import { postEntries } from "./credits/ledger.server";

/**
 * app/uninstalled: the shop's sessions go, the shop is marked uninstalled, and the
 * work nobody will see is stopped: pending and queued photos are cancelled and
 * refunded (in one transaction, so a large shoot does not hold up the webhook) and
 * unfinished imports end. Photos already at a provider finish and stay the shop's.
 * Idempotent, and fine when the shop or its session is already gone.
 */
export async function handleUninstall(db: PrismaClient, domain: string): Promise<{ cancelled: number }> {
  await db.session.deleteMany({ where: { shop: domain } });
  const shop = await db.shop.findUnique({ where: { domain }, select: { id: true, uninstalledAt: true } });
  if (!shop) return { cancelled: 0 };
  if (!shop.uninstalledAt) await db.shop.update({ where: { id: shop.id }, data: { uninstalledAt: new Date() } });
  await db.importRun.updateMany({
    where: { shopId: shop.id, status: { in: ["queued", "running"] } },
    data: { status: "failed", errorMessage: "The app was uninstalled.", finishedAt: new Date() },
  });
  return { cancelled: await cancelShopWork(db, shop.id) };
}

/** Cancels and refunds every pending or queued job of a shop, set-based. */
export async function cancelShopWork(db: PrismaClient, shopId: string): Promise<number> {
  return db.$transaction(async (tx) => {
    const moved = await tx.$queryRaw<{ id: string; from: string; cost: number }[]>`
      with picked as (
        select id, status from public.generation_jobs
         where shop_id = ${shopId}::uuid and status in ('pending', 'queued')
         for update
      )
      update public.generation_jobs j set status = 'cancelled', completed_at = now(), error_message = 'The app was uninstalled.'
        from picked where j.id = picked.id
      returning j.id, picked.status::text as "from", j.cost_credits as cost`;
    if (moved.length === 0) return 0;
    await tx.$executeRaw`
      insert into public.job_events (job_id, shop_id, event, from_status, to_status, detail)
      select (m->>'id')::uuid, ${shopId}::uuid, 'cancelled', (m->>'from')::public.job_status, 'cancelled', '{"reason":"uninstalled"}'::jsonb
        from jsonb_array_elements(${JSON.stringify(moved)}::jsonb) m`;
    await postEntries(
      tx,
      shopId,
      moved.map((j) => ({ key: keys.jobRefund(j.id), type: "refund" as const, amount: j.cost, jobId: j.id, description: "Refund: the app was uninstalled" })),
    );
    return moved.length;
  });
}
