// `npm run ops -- <command>`: operator queries against DATABASE_URL.
import { DEFAULT_DATABASE_URL } from "../app/lib/env-schema";
import { failedJobsThisWeek, jobsByStatus, purchasesToday, reconcileLedger } from "../app/services/ops.server";
import { createPrisma } from "../app/services/prisma.server";

const commands = {
  "jobs-by-status": "generation jobs counted by status",
  "purchases-today": "credit purchases since midnight UTC",
  "failed-this-week": "failed jobs of the last 7 days with their errors",
  "reconcile-ledger": "shops whose balance differs from the sum of their ledger (exit 2 if any)",
} as const;

const command = process.argv[2] as keyof typeof commands | undefined;
if (!command || !(command in commands)) {
  console.log("usage: npm run ops -- <command>\n");
  for (const [name, help] of Object.entries(commands)) console.log(`  ${name.padEnd(18)} ${help}`);
  process.exit(command ? 1 : 0);
}

const db = createPrisma(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, 2);
try {
  switch (command) {
    case "jobs-by-status":
      console.table(await jobsByStatus(db.prisma));
      break;
    case "purchases-today":
      console.table([await purchasesToday(db.prisma)]);
      break;
    case "failed-this-week": {
      const rows = await failedJobsThisWeek(db.prisma);
      if (rows.length === 0) console.log("no failed jobs in the last 7 days");
      else console.table(rows.map((r) => ({ ...r, completedAt: r.completedAt?.toISOString() })));
      break;
    }
    case "reconcile-ledger": {
      const result = await reconcileLedger(db.prisma);
      if (result.discrepancies.length === 0) console.log(`ledger reconciled: ${result.shops} shops, every balance equals its ledger`);
      else {
        console.table(result.discrepancies);
        process.exitCode = 2;
      }
      break;
    }
  }
} finally {
  await db.close();
}
