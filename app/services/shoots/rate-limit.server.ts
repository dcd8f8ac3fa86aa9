import type { Db } from "../prisma.server";

/** Jobs a shop may create per sliding hour, by plan; settings.jobsPerHour overrides. */
export const JOBS_PER_HOUR_BY_PLAN: Record<string, number> = { standard: 2_000, growth: 10_000, scale: 50_000 };
const DEFAULT_JOBS_PER_HOUR = 2_000;

export class RateLimitedError extends Error {
  readonly code = "rate_limited";
  constructor(
    readonly limit: number,
    readonly retryAt: Date,
  ) {
    super(`This shoot would go over your limit of ${limit} photos per hour. Try again after ${retryAt.toISOString()}.`);
    this.name = "RateLimitedError";
  }
}

export function jobsPerHour(shop: { plan: string; settings: unknown }): number {
  const override = (shop.settings as { jobsPerHour?: unknown } | null)?.jobsPerHour;
  if (typeof override === "number" && Number.isInteger(override) && override > 0) return override;
  return JOBS_PER_HOUR_BY_PLAN[shop.plan] ?? DEFAULT_JOBS_PER_HOUR;
}

/**
 * The seed's database check over a sliding hour. Call inside the transaction that
 * creates the jobs, after taking the shop's lock, so two submits cannot both pass.
 */
export async function assertWithinRateLimit(db: Db, shop: { id: string; plan: string; settings: unknown }, adding: number, now = new Date()) {
  const limit = jobsPerHour(shop);
  const since = new Date(now.getTime() - 3_600_000);
  const recent = await db.generationJob.count({ where: { shopId: shop.id, createdAt: { gt: since } } });
  if (recent + adding <= limit) return;
  // The earliest moment enough of the window has expired for this shoot to fit.
  const mustExpire = recent + adding - limit;
  const oldest = await db.generationJob.findMany({
    where: { shopId: shop.id, createdAt: { gt: since } },
    orderBy: { createdAt: "asc" },
    skip: Math.min(mustExpire, recent) - 1,
    take: 1,
    select: { createdAt: true },
  });
  const retryAt = adding > limit || !oldest[0] ? new Date(now.getTime() + 3_600_000) : new Date(oldest[0].createdAt.getTime() + 3_600_000);
  throw new RateLimitedError(limit, retryAt);
}
