export { isActive } from "../../lib/shoot-status";
import type { Db } from "../prisma.server";

export interface ShootSummary {
  id: string;
  name: string | null;
  createdAt: string;
  jobCount: number;
  costCredits: number;
  counts: Record<string, number>;
}

/** Shoots of a shop with their jobs counted by status, newest first. */
export async function listShoots(db: Db, shopId: string, take = 50): Promise<ShootSummary[]> {
  const batches = await db.generationBatch.findMany({ where: { shopId }, orderBy: { createdAt: "desc" }, take });
  const counts = batches.length
    ? await db.generationJob.groupBy({ by: ["batchId", "status"], where: { shopId, batchId: { in: batches.map((b) => b.id) } }, _count: true })
    : [];
  return batches.map((b) => ({
    id: b.id,
    name: b.name,
    createdAt: b.createdAt.toISOString(),
    jobCount: b.jobCount,
    costCredits: b.costCredits,
    counts: Object.fromEntries(counts.filter((c) => c.batchId === b.id).map((c) => [c.status, c._count])),
  }));
}

/** One shoot with its jobs and outputs; null for another shop's id. */
export async function getShoot(db: Db, shopId: string, batchId: string) {
  const batch = await db.generationBatch.findFirst({ where: { id: batchId, shopId } });
  if (!batch) return null;
  const jobs = await db.generationJob.findMany({
    where: { batchId, shopId },
    orderBy: [{ productId: "asc" }, { variation: "asc" }],
    include: { outputs: { where: { kind: "output" }, select: { id: true, bucket: true, path: true, width: true, height: true } } },
  });
  return { batch, jobs };
}
