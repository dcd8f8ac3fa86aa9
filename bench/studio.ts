// The offline studio provider: milliseconds per render of a 1200×1600 product photo
// (the cut-out alone, and the whole shot per scene), then peak RSS while 4 renders run
// at once. Prints figures; run with `npx tsx bench/studio.ts`.
import { availableParallelism } from "node:os";
import sharp from "sharp";
import { cutOutGarment, renderStudioShot, STUDIO_SCENE_PRESETS, type StudioRequest } from "../worker/providers/studio";
import { recorder } from "./lib/results";

const WIDTH = 1200;
const HEIGHT = 1600;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONCURRENT = 4;
const record = recorder("studio");

/** A phone-shot flat lay: a striped T-shirt on a paper backdrop with a shadow, noise and JPEG. */
async function makePhoto(): Promise<Buffer> {
  const tee = "M 440 240 Q 600 350 760 240 L 960 290 L 1150 560 L 1000 670 L 920 575 L 920 1340 L 280 1340 L 280 575 L 200 670 L 50 560 L 240 290 Z";
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><defs>` +
    `<linearGradient id="bg" x1="0" y1="0" x2="0.2" y2="1"><stop offset="0" stop-color="#f1efea"/><stop offset="1" stop-color="#d9d6cf"/></linearGradient>` +
    `<pattern id="st" width="60" height="60" patternUnits="userSpaceOnUse"><rect width="60" height="60" fill="#1f3b64"/><rect width="60" height="18" fill="#e9e4d8"/></pattern>` +
    `<filter id="soft"><feGaussianBlur stdDeviation="14"/></filter></defs>` +
    `<rect width="100%" height="100%" fill="url(#bg)"/>` +
    `<path d="${tee}" transform="translate(18 22)" fill="#000" opacity="0.15" filter="url(#soft)"/>` +
    `<path d="${tee}" fill="url(#st)"/></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let seed = 1;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, data[i]! + ((seed >>> 24) % 17) - 8));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const input = await makePhoto();
const request = (scenePreset: string, seed: number): StudioRequest => ({
  input,
  modelPreset: "fashion_model_v1",
  posePreset: "standing",
  scenePreset,
  aspectRatio: "3:4",
  seed,
});
console.log(
  `input: ${WIDTH}×${HEIGHT} JPEG, ${(input.length / 1024).toFixed(0)} KB; output 1536×2048; ${RUNS} runs each after a warm-up; ` +
    `${availableParallelism()} CPUs, libvips concurrency ${sharp.concurrency()}`,
);

// One render first, so the figures below leave out module loading and libvips start-up.
await renderStudioShot(request("studio", 0));

// Peak RSS first, while the process is fresh: sampled during the batch, beside the
// process's lifetime high-water mark.
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const t = performance.now();
await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => renderStudioShot(request(STUDIO_SCENE_PRESETS[i % STUDIO_SCENE_PRESETS.length]!, 100 + i))));
const wall = performance.now() - t;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  `${CONCURRENT} concurrent renders: ${wall.toFixed(0)} ms wall (${(wall / CONCURRENT).toFixed(0)} ms per render); ` +
    `RSS ${mb(before)} before, peak ${mb(peak)} sampled (+${mb(peak - before)}), process max RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
);
record({ figure: `${CONCURRENT} concurrent renders, wall`, value: wall, unit: "ms", note: `${(wall / CONCURRENT).toFixed(0)} ms per render` });
record({
  figure: `peak RSS, ${CONCURRENT} concurrent renders`,
  value: peak / 1024 / 1024,
  unit: "MB",
  note: `sampled; ${mb(before)} before (+${mb(peak - before)}); process max RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
});

const cutouts: number[] = [];
for (let i = 0; i < RUNS; i++) cutouts.push(await timed(() => cutOutGarment(input)));
console.log(`cut-out alone: median ${median(cutouts).toFixed(0)} ms`);
record({ figure: "cut-out alone", value: median(cutouts), unit: "ms", note: `median of ${RUNS}` });

for (const scene of STUDIO_SCENE_PRESETS) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timed(() => renderStudioShot(request(scene, i + 1))));
  const hd: number[] = [];
  for (let i = 0; i < RUNS; i++) hd.push(await timed(() => renderStudioShot({ ...request(scene, i + 1), quality: "hd" })));
  console.log(`render ${scene.padEnd(7)}: median ${median(times).toFixed(0)} ms standard, ${median(hd).toFixed(0)} ms hd`);
  record({ figure: `render ${scene}, standard`, value: median(times), unit: "ms", note: `median of ${RUNS}` });
  record({ figure: `render ${scene}, hd`, value: median(hd), unit: "ms", note: `median of ${RUNS}` });
}
