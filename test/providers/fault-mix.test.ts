import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenarioPicker } from "../../dev/providers/common";
import { startFalStandIn, type FalStandIn } from "../../dev/providers/fal";
import { falProvider } from "../../worker/providers/fal";
import { garmentPhoto } from "../studio/fixtures";

const KEY = "fal-key-fault-mix-0001";
let stand: FalStandIn;
let hooks: Server;
let hookUrl = "";
const delivered: string[] = [];

beforeAll(async () => {
  stand = await startFalStandIn({ apiKey: KEY, latencyMs: 100, reuseOutputs: true });
  hooks = createServer((req, res) => {
    delivered.push(req.url ?? "");
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stand.settle();
  await stand.close();
  await new Promise((r) => hooks.close(r));
});

describe("a stand-in's fault mix", () => {
  it("draws the same scenarios for the same seed, at about the given rates", () => {
    const mix = { seed: 42, rates: { rate_limited: 0.2, no_webhook: 0.1, duplicate_webhook: 0.1 } };
    const a = scenarioPicker(mix);
    const b = scenarioPicker(mix);
    const drawsA = Array.from({ length: 5000 }, () => a());
    expect(Array.from({ length: 5000 }, () => b())).toEqual(drawsA);
    const share = (s: string) => drawsA.filter((x) => x === s).length / drawsA.length;
    expect(share("rate_limited")).toBeGreaterThan(0.17);
    expect(share("rate_limited")).toBeLessThan(0.23);
    expect(share("no_webhook")).toBeGreaterThan(0.08);
    expect(share("duplicate_webhook")).toBeLessThan(0.12);
    expect(share("success")).toBeGreaterThan(0.55);
    expect(scenarioPicker({ seed: 43, rates: mix.rates })()).toBeTypeOf("string");
    expect(() => scenarioPicker({ seed: 1, rates: { hang: 0.7, stuck: 0.5 } })).toThrow(/more than 1/);
  });

  it("answers unscripted submissions from the mix, scripted ones first, and delivers a duplicate_webhook twice", async () => {
    const fal = falProvider({ apiKey: KEY, queueUrl: stand.url, timeoutMs: 5_000 });
    const photo = await garmentPhoto("tee");
    const submit = (jobId: string) =>
      fal.submit(
        {
          jobId,
          input: photo,
          inputMimeType: "image/png",
          model: "fal-ai/flux-pro/kontext",
          modelPreset: "fashion_model_v1",
          posePreset: "standing",
          scenePreset: "studio",
          generationType: "standard",
          aspectRatio: "3:4",
          seed: 1,
          webhookUrl: `${hookUrl}/hook?job=${jobId}`,
        },
        AbortSignal.timeout(5_000),
      );
    stand.setFaults({ seed: 7, rates: { duplicate_webhook: 1 } });
    stand.script("no_webhook");
    await submit("scripted");
    await submit("mixed");
    // The delivery is scheduled once the output is rendered; wait for it, then for any repeat.
    for (let i = 0; i < 200 && !delivered.some((u) => u.endsWith("job=mixed")); i++) await new Promise((r) => setTimeout(r, 50));
    await stand.settle();
    expect(delivered.filter((u) => u.endsWith("job=scripted"))).toHaveLength(0);
    expect(delivered.filter((u) => u.endsWith("job=mixed"))).toHaveLength(2);
    expect(stand.drawn).toMatchObject({ no_webhook: 1, duplicate_webhook: 1 });

    stand.setFaults({ seed: 7, rates: { rate_limited: 1 } });
    await expect(submit("limited")).rejects.toMatchObject({ code: "rate_limited" });
    stand.setFaults(null);
    await submit("plain");
    expect(stand.drawn.success).toBe(1);
  });
});
