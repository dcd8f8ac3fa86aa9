// Image ingest (sniff, validate, re-encode, store) per 12-megapixel JPEG, against a
// bare sharp pipeline doing the same decode/encode in the same run, and peak RSS with
// 8 ingests at once. Prints figures; run with `npx tsx bench/ingest.ts`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ingestImage, newAssetKey } from "../app/services/images/ingest.server";
import { recorder } from "./lib/results";

const WIDTH = 4000;
const HEIGHT = 3000;
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CONCURRENT = 8;
const TARGET_RATIO = 1.25;
const CHUNK = 64 * 1024;
const record = recorder("ingest");

/** A photo-like frame: smooth gradients with sensor-like noise, ~5 MB as JPEG. */
async function makeJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
  let seed = 1;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 24) % 24;
      const i = (y * WIDTH + x) * 3;
      raw[i] = ((x * 255) / WIDTH + noise) & 255;
      raw[i + 1] = ((y * 255) / HEIGHT + noise) & 255;
      raw[i + 2] = (((x + y) * 127) / (WIDTH + HEIGHT) + 64 + noise) & 255;
    }
  }
  return sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Make: "Bench", Copyright: "bench" } })
    .toBuffer();
}

/** The bytes as a download delivers them. */
async function* asStream(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

async function ingestAndStore(input: Buffer, dir: string): Promise<void> {
  const image = await ingestImage(asStream(input));
  await writeFile(path.join(dir, newAssetKey(image.ext)), image.bytes);
}

async function bare(input: Buffer): Promise<void> {
  await sharp(input).rotate().jpeg({ quality: 90 }).toBuffer();
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const dir = await mkdtemp(path.join(tmpdir(), "atelier-bench-ingest-"));
try {
  const input = await makeJpeg();
  console.log(
    `input: ${WIDTH}×${HEIGHT} JPEG, ${(input.length / 1024 / 1024).toFixed(1)} MB; ${RUNS} runs each, interleaved; ` +
      `${availableParallelism()} CPUs, libvips concurrency ${sharp.concurrency()}`,
  );

  await ingestAndStore(input, dir);
  await bare(input);

  const times = { ingest: [] as number[], bare: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so drift (thermal, other load) hits both sides alike.
    let t = performance.now();
    await ingestAndStore(input, dir);
    times.ingest.push(performance.now() - t);
    t = performance.now();
    await bare(input);
    times.bare.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ingestMs = median(times.ingest);
  const bareMs = median(times.bare);
  // The median of per-pair ratios: a pause hitting one run skews one pair, not the figure.
  const ratio = median(times.ingest.map((ms, i) => ms / times.bare[i]!));
  console.log(`ingest + store: ${ingestMs.toFixed(0)} ms per image (median; fastest ${Math.min(...times.ingest).toFixed(0)} ms)`);
  console.log(`bare sharp rotate+jpeg(90): ${bareMs.toFixed(0)} ms per image (median; fastest ${Math.min(...times.bare).toFixed(0)} ms)`);
  console.log(`ratio: ${ratio.toFixed(2)}x, median of pairs (target ≤ ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
  record({
    figure: `ingest + store, ${WIDTH}×${HEIGHT} JPEG`,
    value: ingestMs,
    unit: "ms",
    floor: { label: "bare sharp rotate+jpeg(90)", value: bareMs, unit: "ms" },
    ratio,
    target: { op: "<=", value: TARGET_RATIO },
    note: `medians of ${RUNS} interleaved runs; the ratio is the median of per-pair ratios`,
  });

  async function peakRss(label: string, work: () => Promise<unknown>): Promise<void> {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t = performance.now();
    await work();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const ms = performance.now() - t;
    console.log(`${label}: peak RSS ${mb(peak)} (${mb(peak - before)} above the ${mb(before)} before), ${ms.toFixed(0)} ms wall`);
    record({ figure: `peak RSS, ${label}`, value: peak / 1024 / 1024, unit: "MB", note: `${mb(peak - before)} above the ${mb(before)} before; ${ms.toFixed(0)} ms wall` });
  }
  await peakRss(`${CONCURRENT} concurrent ingests`, () =>
    Promise.all(Array.from({ length: CONCURRENT }, () => ingestAndStore(input, dir))),
  );
  await peakRss(`${CONCURRENT} concurrent bare pipelines`, () => Promise.all(Array.from({ length: CONCURRENT }, () => bare(input))));
} finally {
  await rm(dir, { recursive: true, force: true });
}
