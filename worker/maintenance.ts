import type { Job } from "bullmq";
import type { Logger } from "pino";
import { z } from "zod";
import { ledgerDiscrepancies } from "../app/services/credits/queries.server";
import type { Db } from "../app/services/prisma.server";

export const maintenanceJob = z.discriminatedUnion("task", [
  z.object({ task: z.literal("reconcile-ledger") }),
  z.object({ task: z.literal("sweep-pending") }),
  z.object({ task: z.literal("cleanup") }),
]);
export type MaintenanceJob = z.infer<typeof maintenanceJob>;

export interface ReconcileResult {
  discrepancies: number;
}

export interface MaintenanceTasks {
  sweepPending(): Promise<number>;
  cleanup(): Promise<Record<string, number>>;
}

/**
 * Checks that every cached balance equals the sum of its ledger. The database
 * enforces this on every write; a discrepancy means someone bypassed it (e.g. by
 * disabling triggers), so it is reported loudly, never "fixed" silently.
 */
export function maintenanceProcessor(db: Db, log: Logger, tasks?: MaintenanceTasks) {
  return async (job: Job): Promise<ReconcileResult | Record<string, number>> => {
    const data = maintenanceJob.parse(job.data);
    switch (data.task) {
      case "reconcile-ledger": {
        const rows = await ledgerDiscrepancies(db);
        for (const r of rows) {
          log.error({ shopId: r.shop_id, balance: r.balance, ledgerTotal: Number(r.ledger_total) }, "balance differs from ledger");
        }
        return { discrepancies: rows.length };
      }
      case "sweep-pending": {
        const enqueued = (await tasks?.sweepPending()) ?? 0;
        if (enqueued > 0) log.warn({ enqueued }, "enqueued jobs that were left pending");
        return { enqueued };
      }
      case "cleanup": {
        const result = (await tasks?.cleanup()) ?? {};
        log.info(result, "maintenance cleanup");
        return result;
      }
    }
  };
}
