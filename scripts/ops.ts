// `npm run ops -- <command>`: operator queries against DATABASE_URL.
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "../app/lib/env-schema";
import { failedJobsThisWeek, jobsByStatus, purchasesToday, reconcileLedger } from "../app/services/ops/queries.server";
import { createPrisma } from "../app/services/prisma.server";
import { redisProviderPauses } from "../worker/provider-pauses";
import { redisConnection } from "../worker/queues";

const commands = {
  "jobs-by-status": "generation jobs counted by status",
  "purchases-today": "credit purchases since midnight UTC",
  "failed-this-week": "failed jobs of the last 7 days with their errors",
  "reconcile-ledger": "shops whose balance differs from the sum of their ledger (exit 2 if any)",
  "provider-pauses": "providers paused after an account failure, with the reason",
  "provider-resume": "end a provider's pause now: provider-resume <name>",
} as const;

const command = process.argv[2] as keyof typeof commands | undefined;
if (!command || !(command in commands)) {
  console.log("usage: npm run ops -- <command>\n");
  for (const [name, help] of Object.entries(commands)) console.log(`  ${name.padEnd(18)} ${help}`);
  process.exit(command ? 1 : 0);
}

if (command === "provider-pauses" || command === "provider-resume") {
  const redis = redisConnection(process.env.REDIS_URL || DEFAULT_REDIS_URL);
  const pauses = redisProviderPauses(redis, process.env.REDIS_PREFIX || "atelier");
  try {
    if (command === "provider-pauses") {
      const list = await pauses.list();
      if (list.length === 0) console.log("no provider is paused");
      else console.table(list.map((p) => ({ ...p, remainingMs: undefined, resumesIn: `${Math.ceil(p.remainingMs / 1000)} s` })));
    } else {
      const name = process.argv[3];
      if (!name) throw new Error("usage: npm run ops -- provider-resume <name>");
      console.log((await pauses.resume(name)) ? `${name} resumed` : `${name} was not paused`);
    }
  } finally {
    redis.disconnect();
  }
  process.exit(process.exitCode ?? 0);
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
