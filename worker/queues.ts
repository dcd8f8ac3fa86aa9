import { Queue, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";

export const QUEUE_NAMES = ["import", "generate", "publish", "maintenance"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** BullMQ needs blocking connections that retry forever instead of failing commands. */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function makeQueue(name: QueueName, connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(name, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 2000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}
