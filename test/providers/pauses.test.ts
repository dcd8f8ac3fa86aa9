import { afterAll, describe, expect, it } from "vitest";
import { redisProviderPauses } from "../../worker/provider-pauses";
import { redisConnection } from "../../worker/queues";

const redis = redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => redis.disconnect());

describe("provider pauses in Redis", () => {
  it("pauses a provider fleet-wide for a while, lists it with its reason, and resumes it early", async () => {
    const pauses = redisProviderPauses(redis, `${process.env.REDIS_PREFIX}-pauses`);
    expect(await pauses.remainingMs("fal")).toBe(0);
    await pauses.pause("fal", "out_of_credits: The fal account is out of credits.", 60_000);
    const left = await pauses.remainingMs("fal");
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    expect(await pauses.list()).toEqual([{ provider: "fal", reason: "out_of_credits: The fal account is out of credits.", remainingMs: expect.any(Number) }]);
    expect(await pauses.remainingMs("fashn")).toBe(0);
    expect(await pauses.resume("fal")).toBe(true);
    expect(await pauses.resume("fal")).toBe(false);
    expect(await pauses.remainingMs("fal")).toBe(0);
    await pauses.pause("replicate", "unauthorized", 50);
    await new Promise((r) => setTimeout(r, 120));
    expect(await pauses.remainingMs("replicate")).toBe(0);
  });
});
