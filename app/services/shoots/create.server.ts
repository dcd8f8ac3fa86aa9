import { randomInt, randomUUID } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { shootOptions, shootPrice, type ShootOptions } from "../../lib/presets";
import { reserveJobs } from "../credits/operations.server";
import { assertNothingOwed } from "../billing/fulfil.server";
import { assertWithinRateLimit } from "./rate-limit.server";

export const MAX_SHOOT_PRODUCTS = 5_000;

export const createShootInput = z.object({
  clientKey: z.string().min(8).max(200),
  productIds: z
    .array(z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "not a product id"))
    .min(1, "Choose at least one product")
    .max(MAX_SHOOT_PRODUCTS),
  options: shootOptions,
  name: z.string().trim().max(200).optional(),
  source: z.enum(["merchant", "watcher", "extension"]).default("merchant"),
  /** Credits the watcher may spend this calendar month, checked under the shop's lock. */
  monthlyBudget: z.number().int().min(0).optional(),
});
export type CreateShootInput = z.input<typeof createShootInput>;

export class ShootInputError extends Error {
  readonly code = "invalid_shoot";
}

export class BudgetExceededError extends Error {
  readonly code = "over_budget";
  constructor(
    readonly budget: number,
    readonly spent: number,
    readonly cost: number,
  ) {
    super(`This shoot (${cost} credits) would go over the watcher's monthly budget: ${spent} of ${budget} credits spent.`);
  }
}

export interface CreatedShoot {
  batchId: string;
  jobIds: string[];
  status: "pending";
  costCredits: number;
  remainingCredits: number;
  /** True when this client key had already created the shoot. */
  replayed: boolean;
}

/**
 * The seed's create-generation-job for a whole selection: validates, checks the hourly
 * limit, and in one transaction creates the batch, its jobs (pending) and their credit
 * reservations: all or nothing. The same client key returns the shoot it created.
 * Enqueueing happens after commit (see enqueue.server.ts).
 */
export async function createShoot(db: PrismaClient, shopId: string, raw: CreateShootInput): Promise<CreatedShoot> {
  const parsed = createShootInput.safeParse(raw);
  if (!parsed.success) throw new ShootInputError(parsed.error.issues.map((i) => i.message).join("; "));
  const input = parsed.data;
  const productIds = [...new Set(input.productIds)];

  return db.$transaction(
    async (tx) => {
      // Serialises a shop's submits so the rate limit and replay checks see each other.
      await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`shoot:${shopId}`}, 0))`;
      const existing = await tx.generationBatch.findUnique({
        where: { shopId_clientKey: { shopId, clientKey: input.clientKey } },
        include: { jobs: { select: { id: true }, orderBy: { createdAt: "asc" } } },
      });
      if (existing) {
        const balance = await tx.creditBalance.findUnique({ where: { shopId } });
        return {
          batchId: existing.id,
          jobIds: existing.jobs.map((j) => j.id),
          status: "pending" as const,
          costCredits: existing.costCredits,
          remainingCredits: balance?.balance ?? 0,
          replayed: true,
        };
      }
      const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId }, select: { id: true, plan: true, settings: true } });
      await assertNothingOwed(tx, shopId);

      // Each product is shot from its latest active photo in Atelier (imported or uploaded).
      const assets = await tx.asset.findMany({
        where: { shopId, productId: { in: productIds }, kind: "upload", status: "active" },
        orderBy: [{ createdAt: "desc" }],
        select: { id: true, productId: true },
      });
      const inputFor = new Map<string, string>();
      for (const a of assets) if (a.productId && !inputFor.has(a.productId)) inputFor.set(a.productId, a.id);
      const missing = productIds.filter((p) => !inputFor.has(p));
      if (missing.length > 0) {
        throw new ShootInputError(
          `${missing.length} of the chosen products have no photo in Atelier yet; import their images first.`,
        );
      }

      const options: ShootOptions = input.options;
      const price = shootPrice({ products: productIds.length, variations: options.variations, generationType: options.generationType });
      await assertWithinRateLimit(tx, shop, price.images);
      if (input.monthlyBudget !== undefined) {
        // Under the shop's advisory lock: concurrent webhooks see each other's shoots.
        const [row] = await tx.$queryRaw<{ spent: bigint }[]>`
          select coalesce(sum(cost_credits), 0) as spent from public.generation_batches
           where shop_id = ${shopId}::uuid and source = ${input.source} and created_at >= date_trunc('month', now())`;
        const spent = Number(row?.spent ?? 0);
        if (spent + price.total > input.monthlyBudget) throw new BudgetExceededError(input.monthlyBudget, spent, price.total);
      }

      const batch = await tx.generationBatch.create({
        data: {
          shopId,
          clientKey: input.clientKey,
          name: input.name ?? null,
          params: options,
          source: input.source,
          jobCount: price.images,
          costCredits: price.total,
        },
      });
      const jobs = productIds.flatMap((productId) =>
        Array.from({ length: options.variations }, (_, v) => ({
          id: randomUUID(),
          productId,
          inputAssetId: inputFor.get(productId)!,
          variation: v + 1,
          seed: randomInt(0, 2 ** 31 - 1),
          costCredits: price.perImage,
        })),
      );
      // Charge first: the database refuses a job without its spend.
      const charged = await reserveJobs(
        tx,
        shopId,
        jobs.map((j) => ({ jobId: j.id, cost: j.costCredits })),
        { reference: `batch:${batch.id}`, description: "Shoot reserved" },
      );
      // Two set-based statements: a 10,000-photo shoot is one round trip each, not
      // 20,000 rows through the client's query builder.
      await tx.$executeRaw`
        insert into public.generation_jobs
          (id, shop_id, batch_id, product_id, input_asset_id, status, prompt, model_preset, pose_preset, scene_preset,
           generation_type, aspect_ratio, variation, seed, cost_credits)
        select j.id, ${shopId}::uuid, ${batch.id}::uuid, j.product_id, j.input_asset_id, 'pending', ${options.prompt ?? null}::text,
               ${options.modelPreset}, ${options.posePreset}, ${options.scenePreset}, ${options.generationType},
               ${options.aspectRatio}, j.variation, j.seed, ${price.perImage}::int
          from unnest(${jobs.map((j) => j.id)}::uuid[], ${jobs.map((j) => j.productId)}::text[],
                      ${jobs.map((j) => j.inputAssetId)}::uuid[], ${jobs.map((j) => j.variation)}::int[],
                      ${jobs.map((j) => j.seed)}::int[]) as j(id, product_id, input_asset_id, variation, seed)`;
      await tx.$executeRaw`
        insert into public.job_events (job_id, shop_id, event, to_status, detail)
        select id, ${shopId}::uuid, 'created', 'pending', jsonb_build_object('batchId', ${batch.id}::text)
          from unnest(${jobs.map((j) => j.id)}::uuid[]) id`;
      return {
        batchId: batch.id,
        jobIds: jobs.map((j) => j.id),
        status: "pending" as const,
        costCredits: price.total,
        remainingCredits: charged.balance,
        replayed: false,
      };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}
