import type { Db } from "../prisma.server";

export interface PublishOptions {
  position: "append" | "featured";
  attachVariants: boolean;
}

export class PublishRequestError extends Error {
  readonly code = "cannot_publish";
}

/** Publications still on (or on their way to) a product. */
export const LIVE_STATUSES = ["pending", "uploading", "processing", "ready"] as const;

/**
 * Asks for the approved photos of these jobs to be published to their products.
 * Only what the merchant approved is ever published. One live publication per photo
 * and product: asking again returns the same one (a failed one is retried).
 * Returns the publications for the worker to reconcile.
 */
export async function requestPublish(db: Db, shopId: string, jobIds: string[], options: PublishOptions): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    insert into public.publications (shop_id, output_asset_id, job_id, product_id, position, attach_variants)
    select j.shop_id, a.id, j.id, j.product_id, ${options.position}, ${options.attachVariants}
      from public.generation_jobs j
      join lateral (
        select id from public.assets
         where job_id = j.id and shop_id = j.shop_id and kind = 'output'
         order by created_at desc limit 1
      ) a on true
     where j.shop_id = ${shopId}::uuid and j.id = any(${jobIds}::uuid[])
       and j.status = 'completed' and j.review_state = 'approved' and j.product_id is not null
    on conflict (output_asset_id, product_id) where status <> 'unpublished' do update
      set unpublish_requested_at = null,
          status = case when publications.status = 'failed' then 'pending' else publications.status end,
          error_code = case when publications.status = 'failed' then null else publications.error_code end,
          error_message = case when publications.status = 'failed' then null else publications.error_message end,
          -- A failed attempt's media was removed or is found again by its file name.
          media_id = case when publications.status = 'failed' then null else publications.media_id end,
          uploaded_at = case when publications.status = 'failed' then null else publications.uploaded_at end,
          -- Alt text edited since the failure is what the retry sends.
          alt = case when publications.status = 'failed' and publications.media_id is null then null else publications.alt end,
          position = case when publications.status in ('failed', 'pending') then excluded.position else publications.position end,
          attach_variants = case when publications.status in ('failed', 'pending') then excluded.attach_variants else publications.attach_variants end
    returning id`;
  return rows.map((r) => r.id);
}

/**
 * Asks for published photos to be taken back off their products. Returns the
 * publications for the worker; ones that never reached Shopify are simply closed.
 */
export async function requestUnpublish(db: Db, shopId: string, publicationIds: string[]): Promise<string[]> {
  if (publicationIds.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    update public.publications set unpublish_requested_at = coalesce(unpublish_requested_at, now())
     where shop_id = ${shopId}::uuid and id = any(${publicationIds}::uuid[]) and status <> 'unpublished'
    returning id`;
  return rows.map((r) => r.id);
}

/** Rolls a whole shoot back: every photo of it the app put on a product comes off. */
export async function rollbackShoot(db: Db, shopId: string, batchId: string): Promise<string[]> {
  const live = await db.publication.findMany({
    where: { shopId, status: { not: "unpublished" }, job: { batchId, shopId } },
    select: { id: true },
  });
  return requestUnpublish(db, shopId, live.map((p) => p.id));
}

/** Publications the worker should look at again: never started, interrupted, or awaiting removal. */
export async function publicationsToSweep(db: Db, olderThanMs = 60_000): Promise<{ id: string; shopId: string }[]> {
  const cutoff = new Date(Date.now() - olderThanMs);
  return db.publication.findMany({
    where: {
      updatedAt: { lt: cutoff },
      OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }],
      AND: [
        {
          OR: [
            { status: { in: ["pending", "uploading", "processing"] } },
            { unpublishRequestedAt: { not: null }, status: { not: "unpublished" } },
          ],
        },
      ],
    },
    select: { id: true, shopId: true },
    orderBy: { updatedAt: "asc" },
    take: 2_000,
  });
}

/** Media ids the app itself put on products: never imported back as product photos. */
export async function publishedMediaIds(db: Db, shopId: string, mediaIds: string[]): Promise<Set<string>> {
  if (mediaIds.length === 0) return new Set();
  const rows = await db.publication.findMany({ where: { shopId, mediaId: { in: mediaIds } }, select: { mediaId: true } });
  return new Set(rows.map((r) => r.mediaId!));
}

