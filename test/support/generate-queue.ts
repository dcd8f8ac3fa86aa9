import { afterAll } from "vitest";
import { makeQueue, redisConnection } from "../../worker/queues";

/** The generate queue under the test file's Redis prefix, emptied and closed after the file. */
export function useGenerateQueue() {
  const connection = redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const queue = makeQueue("generate", connection, process.env.REDIS_PREFIX!);
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  return { connection, queue };
}
