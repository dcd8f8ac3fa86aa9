import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkGarmentFidelity,
  ciede2000,
  colourName,
  DEFAULT_FIDELITY_THRESHOLD,
  FIDELITY_THRESHOLDS,
  fidelityThreshold,
  srgbToLab,
  type FidelityReport,
} from "~/services/images/fidelity.server";
import { SCENE_PRESETS } from "~/lib/presets";
import { renderStudioShot } from "../../worker/providers/studio/index";
import { garmentPhoto, noisyJpeg, SHAPES } from "../studio/fixtures";

const NAVY = "#1f2a48";
const RED = "#c8232c";
const MUSTARD = "#d1a22a";
const TEAL = "#1b7a7a";
const WHITE_BG = { kind: "solid", colour: "#ffffff" } as const;

/** A packshot as a phone would deliver it: soft shadow, sensor noise, JPEG. */
async function packshot(fill: string, stripes?: string): Promise<Buffer> {
  return noisyJpeg(await garmentPhoto("tee", { fill, stripes, background: WHITE_BG, shadow: true }), 6, 88);
}

async function studioShot(input: Buffer, scenePreset: string, seed = 3): Promise<Buffer> {
  const shot = await renderStudioShot({ input, modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset, aspectRatio: "3:4", seed });
  return shot.image;
}

/**
 * An on-model photo drawn by hand, unlike anything the studio renders: a park-ish
 * backdrop, a figure with skin, the tee smaller, off-centre, squashed as worn, with an
 * arm across its side.
 */
async function handComposite(fill: string, options: { door?: string } = {}): Promise<Buffer> {
  const skin = "#c68a64";
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1600">` +
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#bcd3e6"/><stop offset="0.62" stop-color="#e8ecd9"/>` +
    `<stop offset="0.63" stop-color="#6f8f4e"/><stop offset="1" stop-color="#4f6b37"/></linearGradient></defs>` +
    `<rect width="1200" height="1600" fill="url(#sky)"/>` +
    `<circle cx="140" cy="700" r="190" fill="#3f6b35"/><circle cx="1090" cy="640" r="230" fill="#46763a"/>` +
    (options.door ? `<rect x="230" y="380" width="260" height="640" fill="${options.door}"/>` : "") +
    `<ellipse cx="640" cy="300" rx="80" ry="100" fill="${skin}"/><rect x="610" y="380" width="60" height="80" fill="${skin}"/>` +
    `<rect x="540" y="1000" width="80" height="520" fill="#2b2b2b"/><rect x="660" y="1000" width="80" height="520" fill="#2b2b2b"/>` +
    `<path d="${SHAPES.tee}" fill="${fill}" transform="translate(395 410) scale(0.55 0.62)"/>` +
    `<rect x="832" y="560" width="56" height="420" rx="28" fill="${skin}" transform="rotate(-8 860 560)"/>` +
    `</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 86 }).toBuffer();
}

async function check(input: Buffer, output: Buffer, scenePreset = "studio", threshold?: number): Promise<FidelityReport> {
  return checkGarmentFidelity(input, output, { scenePreset, threshold });
}

describe("ciede2000", () => {
  // Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula:
  // implementation notes, supplementary test data, and mathematical observations",
  // Table 1: all 34 pairs, including the hue-angle edge cases around 0°/180°.
  const SHARMA: [number, number, number, number, number, number, number][] = [
    [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
    [50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615],
    [50.0, 2.8361, -74.02, 50.0, 0.0, -82.7485, 3.4412],
    [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
    [50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0],
    [50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0],
    [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
    [50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669],
    [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
    [50.0, 2.49, -0.001, 50.0, -2.49, 0.001, 7.1792],
    [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
    [50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195],
    [50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045],
    [50.0, -0.001, 2.49, 50.0, 0.001, -2.49, 4.8045],
    [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
    [50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065],
    [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
    [50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977],
    [50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.903],
    [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
    [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
    [50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0],
    [50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0],
    [50.0, 2.5, 0.0, 50.0, 3.2592, 0.335, 1.0],
    [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
    [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.263],
    [61.2901, 3.7196, -5.3901, 61.4292, 2.248, -4.962, 1.8731],
    [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
    [22.7233, 20.0904, -46.694, 23.0331, 14.973, -42.5619, 2.0373],
    [36.4612, 47.858, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
    [90.8027, -2.0831, 1.441, 91.1528, -1.6435, 0.0447, 1.4441],
    [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
    [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
    [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
  ];

  it.each(SHARMA.map((row, i) => [i + 1, ...row] as const))("matches Sharma et al. pair %i", (_n, L1, a1, b1, L2, a2, b2, expected) => {
    const x = { L: L1, a: a1, b: b1 };
    const y = { L: L2, a: a2, b: b2 };
    expect(ciede2000(x, y)).toBeCloseTo(expected, 4);
    expect(ciede2000(y, x)).toBeCloseTo(expected, 4);
  });

  it("is zero for identical colours, including greys", () => {
    expect(ciede2000({ L: 50, a: 0, b: 0 }, { L: 50, a: 0, b: 0 })).toBe(0);
    expect(ciede2000({ L: 30, a: 20, b: -40 }, { L: 30, a: 20, b: -40 })).toBe(0);
  });

  it("converts sRGB to CIELAB (D65) as the reference values give", () => {
    const white = srgbToLab(255, 255, 255);
    expect(white.L).toBeCloseTo(100, 2);
    expect(Math.abs(white.a) + Math.abs(white.b)).toBeLessThan(0.01);
    const red = srgbToLab(255, 0, 0);
    expect(red.L).toBeCloseTo(53.24, 1);
    expect(red.a).toBeCloseTo(80.09, 1);
    expect(red.b).toBeCloseTo(67.2, 1);
    expect(srgbToLab(0, 0, 0).L).toBeCloseTo(0, 6);
  });

  it("names colours approximately", () => {
    expect(colourName(srgbToLab(0x22, 0x2c, 0x4a))).toBe("navy");
    expect(colourName(srgbToLab(0xc0, 0x20, 0x28))).toBe("red");
    expect(colourName(srgbToLab(250, 250, 250))).toBe("white");
  });
});

describe("fidelity thresholds", () => {
  it("has a threshold for every scene preset, looser outdoors than in the studio", () => {
    for (const scene of SCENE_PRESETS) expect(fidelityThreshold(scene.id)).toBe(FIDELITY_THRESHOLDS[scene.id]);
    expect(FIDELITY_THRESHOLDS.beach).toBeGreaterThan(FIDELITY_THRESHOLDS.studio);
    expect(FIDELITY_THRESHOLDS.nature).toBeGreaterThan(FIDELITY_THRESHOLDS.studio);
    expect(FIDELITY_THRESHOLDS.street).toBeGreaterThan(FIDELITY_THRESHOLDS.studio);
    expect(fidelityThreshold("rooftop_v2")).toBe(DEFAULT_FIDELITY_THRESHOLD);
    expect(fidelityThreshold(" Beach ")).toBe(FIDELITY_THRESHOLDS.beach);
  });
});

describe("checkGarmentFidelity", () => {
  let navy: Buffer;
  let navyStudio: Buffer;

  beforeAll(async () => {
    navy = await packshot(NAVY);
    navyStudio = await studioShot(navy, "studio");
  });

  it.each(SCENE_PRESETS.map((s) => s.id))("passes a navy tee composited into the %s scene", async (scene) => {
    const report = await check(navy, scene === "studio" ? navyStudio : await studioShot(navy, scene), scene);
    expect(report).toMatchObject({ passed: true, code: "ok", threshold: FIDELITY_THRESHOLDS[scene] });
    expect(report.reason).toBeUndefined();
    expect(colourName(report.inputColours[0]!)).toBe("navy");
    expect(report.inputColours[0]!.weight).toBeGreaterThan(0.9);
    // Well inside the threshold, not scraping past it.
    expect(report.deltaE).toBeLessThan(report.threshold / 2);
  });

  it("passes the tee drawn smaller, off-centre, squashed and half covered by an arm, on another background", async () => {
    const report = await check(navy, await handComposite(NAVY), "nature");
    expect(report.passed).toBe(true);
    expect(report.deltaE).toBeLessThan(5);
  });

  it.each([0.9, 1.1])("passes when the whole photo is lit %s× as bright", async (brightness) => {
    const lit = await sharp(navyStudio).modulate({ brightness }).jpeg({ quality: 88 }).toBuffer();
    const report = await check(navy, lit);
    expect(report.passed).toBe(true);
    expect(report.deltaE).toBeLessThan(5);
  });

  it("fails a hue-rotated output and says what the colour became", async () => {
    // What the dev stand-ins' `recolour` scenario does to an output.
    const rotated = await sharp(navyStudio).modulate({ hue: 150, saturation: 1.6 }).jpeg({ quality: 88 }).toBuffer();
    const report = await check(navy, rotated);
    expect(report).toMatchObject({ passed: false, code: "colour_changed" });
    expect(report.deltaE).toBeGreaterThan(2 * report.threshold);
    expect(report.reason).toMatch(/^The garment's main colour changed \(ΔE \d+(\.\d)? > 10\): navy became [a-z ]+\.$/);
    expect(report.reason).not.toMatch(/navy became navy/);
  });

  it("fails when the garment comes out red instead of navy, in every scene", async () => {
    const red = await packshot(RED);
    for (const scene of ["studio", "street", "nature"]) {
      const report = await check(navy, await studioShot(red, scene), scene);
      expect(report, scene).toMatchObject({ passed: false, code: "colour_changed" });
      expect(report.reason).toContain("navy became red");
      expect(report.deltaE).toBeGreaterThan(2 * report.threshold);
    }
  });

  it("fails the hand-drawn on-model photo when its tee is red", async () => {
    const report = await check(navy, await handComposite(RED), "nature");
    expect(report).toMatchObject({ passed: false, code: "colour_changed" });
    expect(report.reason).toContain("navy became red");
  });

  it("does not take a navy door beside the model for the navy tee that came out red", async () => {
    // Matching colours anywhere in the frame would find the door and pass.
    const withDoor = await handComposite(RED, { door: NAVY });
    const report = await check(navy, withDoor, "nature");
    expect(report).toMatchObject({ passed: false, code: "colour_changed" });
    expect(report.reason).toContain("navy became red");
    // The door alone does not stop the real tee from passing.
    expect((await check(navy, await handComposite(NAVY, { door: NAVY }), "nature")).passed).toBe(true);
  });

  describe("patterned garment", () => {
    let striped: Buffer;
    beforeAll(async () => {
      striped = await packshot(NAVY, MUSTARD);
    });

    it("finds both colours of a striped tee and passes it unchanged", async () => {
      for (const scene of ["studio", "street", "beach"]) {
        const report = await check(striped, await studioShot(striped, scene), scene);
        expect(report.passed, `${scene}: ${report.reason}`).toBe(true);
        expect(report.matches.map((m) => colourName(m.input)).sort()).toEqual(["mustard", "navy"]);
        expect(report.matches.map((m) => colourName(m.output)).sort()).toEqual(["mustard", "navy"]);
      }
    });

    it("fails when one stripe colour changes and names that one", async () => {
      const report = await check(striped, await studioShot(await packshot(NAVY, TEAL), "studio"));
      expect(report).toMatchObject({ passed: false, code: "colour_changed" });
      expect(report.reason).toContain("mustard became teal");
      expect(report.matches.find((m) => colourName(m.input) === "navy")!.deltaE).toBeLessThan(5);
    });
  });

  describe("per-scene threshold", () => {
    it("applies the scene's threshold: a slight hue drift fails in the studio but passes on the beach", async () => {
      const red = await packshot(RED);
      const drifted = await sharp(await studioShot(red, "studio")).modulate({ hue: 18 }).jpeg({ quality: 88 }).toBuffer();
      const studio = await check(red, drifted, "studio");
      const beach = await check(red, drifted, "beach");
      // The fixture must land between the two thresholds for this test to mean anything.
      expect(studio.deltaE).toBeGreaterThan(FIDELITY_THRESHOLDS.studio);
      expect(studio.deltaE).toBeLessThan(FIDELITY_THRESHOLDS.beach);
      expect(beach.deltaE).toBe(studio.deltaE);
      expect(studio).toMatchObject({ passed: false, code: "colour_changed", threshold: FIDELITY_THRESHOLDS.studio });
      expect(beach).toMatchObject({ passed: true, code: "ok", threshold: FIDELITY_THRESHOLDS.beach });
    });

    it("lets an explicit threshold override the scene's", async () => {
      const measured = (await check(navy, navyStudio)).deltaE;
      expect((await check(navy, navyStudio, "beach", measured + 0.05)).passed).toBe(true);
      const strict = await check(navy, navyStudio, "beach", measured - 0.05);
      expect(strict).toMatchObject({ passed: false, code: "colour_changed", threshold: measured - 0.05 });
    });
  });

  it("is deterministic: the same inputs give the same numbers", async () => {
    const first = await check(navy, navyStudio);
    const second = await check(navy, navyStudio);
    expect(second).toEqual(first);
  });

  it("keeps a skin-coloured garment in the analysis rather than setting it aside as skin", async () => {
    const camel = await packshot("#c19a6b");
    const report = await check(camel, await studioShot(camel, "loft"), "loft");
    expect(report.passed, report.reason).toBe(true);
  });

  describe("unusable images fail with a reason instead of throwing", () => {
    it("a tiny output", async () => {
      const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: NAVY } }).png().toBuffer();
      const report = await check(navy, tiny);
      expect(report).toMatchObject({ passed: false, code: "output_unusable", deltaE: Number.POSITIVE_INFINITY });
      expect(report.reason).toMatch(/8×8 pixels, too small/);
    });

    it("a blank output", async () => {
      const blank = await sharp({ create: { width: 768, height: 1024, channels: 3, background: "#7f7f7f" } }).jpeg().toBuffer();
      const report = await check(navy, blank);
      expect(report).toMatchObject({ passed: false, code: "output_unusable" });
      expect(report.reason).toMatch(/blank/);
      expect(report.inputColours.length).toBeGreaterThan(0);
    });

    it("an output that is not an image", async () => {
      const report = await check(navy, Buffer.from("<html>502 Bad Gateway</html>"));
      expect(report).toMatchObject({ passed: false, code: "output_unusable" });
      expect(report.reason).toMatch(/could not be read/);
    });

    it("an output with no garment-shaped area of any colour", async () => {
      const halves = await sharp(
        Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800"><rect width="600" height="400" fill="#9cc"/><rect y="400" width="600" height="400" fill="#cc9"/></svg>`),
      )
        .jpeg()
        .toBuffer();
      const report = await check(navy, halves);
      expect(report).toMatchObject({ passed: false, code: "garment_not_found" });
      expect(report.reason).toMatch(/no navy area/);
    });

    it("a product photo with nothing on it", async () => {
      const empty = await sharp({ create: { width: 600, height: 800, channels: 3, background: "#ffffff" } }).jpeg().toBuffer();
      const report = await check(empty, navyStudio);
      expect(report).toMatchObject({ passed: false, code: "input_unusable", inputColours: [] });
      expect(report.reason).toMatch(/No garment could be told apart/);
    });
  });
});
