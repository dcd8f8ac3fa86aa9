import { z } from "zod";
import { hasSqlState, type Db } from "../prisma.server";
import {
  IdempotencyConflictError,
  InsufficientCreditsError,
  JobAlreadyChargedError,
  LedgerEntryError,
  ShopNotFoundError,
} from "./errors.server";

export const TX_TYPES = ["purchase", "spend", "refund", "bonus", "adjustment"] as const;
export type TxType = (typeof TX_TYPES)[number];

const uuid = z.uuid();

export const ledgerEntryInput = z
  .object({
    key: z.string().min(1).max(200),
    type: z.enum(TX_TYPES),
    amount: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((n) => n !== 0, "amount cannot be zero"),
    jobId: uuid.optional(),
    reference: z.string().max(200).optional(),
    description: z.string().max(500).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === "spend" && e.amount > 0) ctx.addIssue({ code: "custom", message: "a spend is negative" });
    if ((e.type === "purchase" || e.type === "bonus" || e.type === "refund") && e.amount < 0) {
      ctx.addIssue({ code: "custom", message: `a ${e.type} is positive` });
    }
    if ((e.type === "spend" || e.type === "refund") && !e.jobId) {
      ctx.addIssue({ code: "custom", message: `a ${e.type} names its job` });
    }
  });
export type LedgerEntryInput = z.infer<typeof ledgerEntryInput>;

const postedEntry = z.object({
  id: uuid,
  seq: z.number().int(),
  key: z.string(),
  type: z.enum(TX_TYPES),
  amount: z.number().int(),
  balance_after: z.number().int(),
  job_id: uuid.nullable(),
  created_at: z.string(),
});

const postResult = z.discriminatedUnion("status", [
  z.object({ status: z.literal("ok"), balance: z.number().int(), entries: z.array(postedEntry) }),
  z.object({ status: z.literal("replayed"), balance: z.number().int(), entries: z.array(postedEntry) }),
  z.object({ status: z.literal("insufficient"), balance: z.number().int(), required: z.number().int() }),
  z.object({ status: z.literal("conflict"), key: z.string(), message: z.string().optional() }),
  z.object({ status: z.literal("duplicate_job"), job_id: uuid }),
  z.object({ status: z.literal("no_shop") }),
  z.object({ status: z.literal("invalid"), message: z.string(), job_id: uuid.optional() }),
]);

export interface PostedEntry {
  id: string;
  seq: bigint;
  key: string;
  type: TxType;
  amount: number;
  balanceAfter: number;
  jobId: string | null;
  createdAt: Date;
}

export interface PostOutcome {
  /** True when every key had already been posted with the same payload. */
  replayed: boolean;
  /** The shop's balance after this call (or now, for a replay). */
  balance: number;
  entries: PostedEntry[];
}

/**
 * Appends entries for one shop in one transaction through public.credits_post, which
 * locks the shop's balance, detects replays and enforces the invariants. All entries
 * post or none; refusals become typed errors.
 */
export async function postEntries(db: Db, shopId: string, entries: LedgerEntryInput[]): Promise<PostOutcome> {
  if (!uuid.safeParse(shopId).success) throw new ShopNotFoundError(shopId);
  const parsed = z.array(ledgerEntryInput).min(1).max(20_000).safeParse(entries);
  if (!parsed.success) throw new LedgerEntryError(parsed.error.issues.map((i) => i.message).join("; "));
  const payload = JSON.stringify(
    parsed.data.map((e) => ({
      key: e.key,
      type: e.type,
      amount: e.amount,
      job_id: e.jobId ?? null,
      reference: e.reference ?? null,
      description: e.description ?? null,
    })),
  );

  // A concurrent first use of the same key from another shop surfaces as a unique
  // violation; the retry then sees the committed row and answers replay or conflict.
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await db.$queryRaw<{ result: unknown }[]>`
        select public.credits_post(${shopId}::uuid, ${payload}::jsonb) as result`;
      return interpret(shopId, rows[0]?.result);
    } catch (error) {
      if (attempt < 2 && hasSqlState(error, "23505") && !isInTransaction(db)) continue;
      if (hasSqlState(error, "23505")) throw new IdempotencyConflictError(parsed.data[0]!.key);
      throw error;
    }
  }
}

function isInTransaction(db: Db): boolean {
  return !("$transaction" in db);
}

function interpret(shopId: string, raw: unknown): PostOutcome {
  const result = postResult.parse(raw);
  switch (result.status) {
    case "ok":
    case "replayed":
      return {
        replayed: result.status === "replayed",
        balance: result.balance,
        entries: result.entries.map((e) => ({
          id: e.id,
          seq: BigInt(e.seq),
          key: e.key,
          type: e.type,
          amount: e.amount,
          balanceAfter: e.balance_after,
          jobId: e.job_id,
          createdAt: new Date(e.created_at),
        })),
      };
    case "insufficient":
      throw new InsufficientCreditsError(result.balance, result.required);
    case "conflict":
      throw new IdempotencyConflictError(result.key);
    case "duplicate_job":
      throw new JobAlreadyChargedError(result.job_id);
    case "no_shop":
      throw new ShopNotFoundError(shopId);
    case "invalid":
      throw new LedgerEntryError(result.message);
  }
}
