// `node --import tsx scripts/reencrypt-sessions.ts`: after putting a new key first in
// SESSION_ENCRYPTION_KEYS, rewrites every stored Shopify token under it so the old key
// can be removed (decision 010).
import { parseAppEnv } from "../app/env.server";
import { createPrisma } from "../app/services/prisma.server";
import { reencryptSessions } from "../app/services/shopify/reencrypt-sessions.server";
import { tokenKeys } from "../app/services/shopify/token-crypto.server";

const env = parseAppEnv(process.env);
const db = createPrisma(env.DATABASE_URL, 2);
try {
  const keys = tokenKeys();
  const { rewritten, unreadable } = await reencryptSessions(db.prisma, keys);
  console.log(`re-encrypted ${rewritten} session(s) under key ${keys.currentId}`);
  if (unreadable.length) {
    console.error(`${unreadable.length} session(s) are under a key no longer configured: ${unreadable.join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  await db.close();
}
