import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CreditError, IdempotencyConflictError, InsufficientCreditsError } from "~/services/credits/errors.server";
import { postEntries, type LedgerEntryInput } from "~/services/credits/ledger.server";
import { keys } from "~/services/credits/operations.server";
import { getBalance, ledgerDiscrepancies } from "~/services/credits/queries.server";
import type { Db } from "~/services/prisma.server";
import { makeShop, useTestDb } from "../support/db";

// A model-based test: random sequences of grants, batch reserves, refunds, replays of
// earlier operations and operations whose connection is killed before COMMIT, each
// checked against an in-memory model and the ledger's invariants after every step.

const h = useTestDb(4);
const killer = useTestDb(1);
const db = h.prisma;

interface Model {
  shopId: string;
  balance: number;
  rows: number;
  spends: Map<string, number>; // jobId -> cost
  refunded: Map<string, number>; // jobId -> refunded amount
  posted: Map<string, LedgerEntryInput[]>; // first entry key -> entries, for replays
}

type Op =
  | { kind: "grant"; credits: number }
  | { kind: "reserve"; costs: number[] }
  | { kind: "refund"; pick: number; part: number }
  | { kind: "replay"; pick: number; tamper: boolean }
  | { kind: "killed"; inner: Exclude<Op, { kind: "killed" } | { kind: "replay" }> };

const baseOp = fc.oneof(
  fc.record({ kind: fc.constant("grant" as const), credits: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("reserve" as const), costs: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant("refund" as const), pick: fc.nat(), part: fc.integer({ min: 0, max: 100 }) }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: baseOp },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick: fc.nat(), tamper: fc.boolean() }) },
  { weight: 1, arbitrary: baseOp.map((inner) => ({ kind: "killed" as const, inner })) },
);

/** The entries an operation would post, or null when it has nothing to act on. */
function entriesFor(model: Model, o: Exclude<Op, { kind: "killed" } | { kind: "replay" }>): LedgerEntryInput[] | null {
  switch (o.kind) {
    case "grant":
      return [{ key: `grant-${randomUUID()}`, type: "purchase", amount: o.credits }];
    case "reserve":
      return o.costs.map((cost) => {
        const jobId = randomUUID();
        return { key: keys.jobReserve(jobId), type: "spend", amount: -cost, jobId };
      });
    case "refund": {
      const open = [...model.spends.keys()].filter((j) => !model.refunded.has(j));
      if (open.length === 0) return null;
      const jobId = open[o.pick % open.length]!;
      const amount = Math.max(1, Math.round((model.spends.get(jobId)! * o.part) / 100));
      return [{ key: keys.jobRefund(jobId), type: "refund", amount, jobId }];
    }
  }
}

function apply(model: Model, entries: LedgerEntryInput[]): void {
  for (const e of entries) {
    model.balance += e.amount;
    model.rows += 1;
    if (e.type === "spend") model.spends.set(e.jobId!, -e.amount);
    if (e.type === "refund") model.refunded.set(e.jobId!, e.amount);
  }
  model.posted.set(entries[0]!.key, entries);
}

async function post(target: Db, model: Model, entries: LedgerEntryInput[]): Promise<"ok" | "insufficient"> {
  try {
    await postEntries(target, model.shopId, entries);
    return "ok";
  } catch (error) {
    if (error instanceof InsufficientCreditsError) return "insufficient";
    throw error;
  }
}

async function step(model: Model, o: Op): Promise<void> {
  if (o.kind === "replay") {
    const previous = [...model.posted.values()];
    if (previous.length === 0) return;
    const entries = previous[o.pick % previous.length]!;
    if (!o.tamper) {
      const result = await postEntries(db, model.shopId, entries);
      expect(result.replayed).toBe(true);
      return;
    }
    const tampered = entries.map((e, i) => (i === 0 ? { ...e, description: "x", reference: "tampered" } : e));
    await expect(postEntries(db, model.shopId, tampered)).rejects.toBeInstanceOf(IdempotencyConflictError);
    return;
  }
  if (o.kind === "killed") {
    const entries = entriesFor(model, o.inner);
    if (!entries) return;
    // The worker dies after writing but before COMMIT: nothing may remain.
    await db
      .$transaction(async (tx) => {
        const [{ pid }] = await tx.$queryRaw<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await post(tx, model, entries);
        await killer.prisma.$queryRaw`select pg_terminate_backend(${pid}::int)`;
        await tx.$queryRaw`select 1`;
      })
      .then(
        () => expect.fail("the killed transaction committed"),
        (error: unknown) => expect(error).not.toBeInstanceOf(CreditError),
      );
    // The retry after the crash posts normally.
    if ((await post(db, model, entries)) === "ok") apply(model, entries);
    return;
  }
  const entries = entriesFor(model, o);
  if (!entries) return;
  const need = -entries.reduce((s, e) => s + e.amount, 0);
  const outcome = await post(db, model, entries);
  expect(outcome).toBe(need > model.balance ? "insufficient" : "ok");
  if (outcome === "ok") apply(model, entries);
}

async function checkInvariants(model: Model): Promise<void> {
  expect(await getBalance(db, model.shopId)).toBe(model.balance);
  const agg = await db.creditLedgerEntry.aggregate({ where: { shopId: model.shopId }, _sum: { amount: true }, _count: true });
  expect(agg._sum.amount ?? 0).toBe(model.balance);
  expect(agg._count).toBe(model.rows);
  expect(model.balance).toBeGreaterThanOrEqual(0);
}

describe("ledger model", () => {
  const seed = Number(process.env.LEDGER_MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));

  it(`matches an in-memory model over thousands of random operations (seed ${seed})`, { timeout: 240_000 }, async () => {
    let steps = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 80 }), async (ops) => {
          const shop = await makeShop(h);
          const model: Model = { shopId: shop.id, balance: 0, rows: 0, spends: new Map(), refunded: new Map(), posted: new Map() };
          for (const o of ops) {
            await step(model, o);
            await checkInvariants(model);
            steps++;
          }
        }),
        { seed, numRuns: 50, endOnFailure: true },
      );
    } catch (error) {
      console.error(`ledger model failed; rerun with LEDGER_MODEL_SEED=${seed}`);
      throw error;
    }
    expect(steps).toBeGreaterThan(1000);
    expect(await ledgerDiscrepancies(db)).toEqual([]);
  });
});
