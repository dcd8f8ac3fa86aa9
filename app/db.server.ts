import { appEnv } from "./env.server";
import { createPrisma, type PrismaHandle } from "./services/prisma.server";

declare global {
  var __atelierDb: PrismaHandle | undefined;
}

// One pool per process; kept on globalThis so Vite's dev reloads do not leak pools.
function handle(): PrismaHandle {
  if (!globalThis.__atelierDb) {
    const env = appEnv();
    globalThis.__atelierDb = createPrisma(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  }
  return globalThis.__atelierDb;
}

const prisma = handle().prisma;
export default prisma;
export { prisma };
