// The garment fidelity gate's cost per photo, on the sizes the pipeline sees: a
// product photo against a 2048 px on-model output. Prints figures, asserts nothing.
import { availableParallelism } from "node:os";
import { checkGarmentFidelity } from "../app/services/images/fidelity.server";
import { renderGarment } from "../dev/shopify/images";
import { renderStudioShot } from "../worker/providers/studio/index";
import { recorder } from "./lib/results";

const RUNS = 20;
const cases = [
  { garment: "tee", colour: "Navy", scene: "studio" },
  { garment: "dress", colour: "Rust", scene: "beach" },
] as const;
const record = recorder("fidelity");

console.log(`${availableParallelism()} CPUs; ${RUNS} checks per case`);
for (const c of cases) {
  const input = await renderGarment({ garment: c.garment, colour: c.colour, pattern: "solid", view: "front" });
  const shot = await renderStudioShot({ input, modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: c.scene, aspectRatio: "3:4", seed: 7, quality: "standard" });
  await checkGarmentFidelity(input, shot.image, { scenePreset: c.scene }); // warm-up
  const times: number[] = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    last = await checkGarmentFidelity(input, shot.image, { scenePreset: c.scene });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)]!;
  const p90 = times[Math.floor(RUNS * 0.9)]!;
  const gate = `ΔE ${last!.deltaE.toFixed(1)} vs ${last!.threshold}: ${last!.passed ? "passed" : "flagged"}`;
  console.log(
    `${c.colour} ${c.garment}, ${c.scene} (${shot.width}×${shot.height}): median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms ` +
      `(${(1000 / median).toFixed(0)} photos/s per core); ${gate}`,
  );
  record({
    figure: `fidelity check, ${c.colour} ${c.garment}, ${c.scene} (${shot.width}×${shot.height})`,
    value: median,
    unit: "ms",
    note: `median of ${RUNS}; p90 ${p90.toFixed(1)} ms; ${(1000 / median).toFixed(0)} photos/s per core; ${gate}`,
  });
}
