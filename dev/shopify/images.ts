import sharp from "sharp";
import { COLOURS, type ImageSpec } from "./catalog";

// Flat product photos drawn as SVG and rendered with sharp: a garment silhouette in
// its colour and pattern on a light backdrop, the way a merchant's packshots look.

const SILHOUETTES: Record<ImageSpec["garment"], string> = {
  tee: "M250 120 L330 95 Q400 140 470 95 L550 120 L640 230 L565 285 L535 255 L535 690 L265 690 L265 255 L235 285 L160 230 Z",
  hoodie:
    "M255 130 Q400 40 545 130 L650 260 L590 320 L560 290 L560 700 L240 700 L240 290 L210 320 L150 260 Z M330 135 Q400 230 470 135",
  dress: "M320 90 L480 90 L500 230 Q560 420 640 700 L160 700 Q240 420 300 230 Z",
  jeans: "M260 90 L540 90 L575 700 L430 700 L400 300 L370 700 L225 700 Z",
  jacket:
    "M250 110 L350 90 L400 160 L450 90 L550 110 L660 280 L600 330 L570 300 L570 710 L230 710 L230 300 L200 330 L140 280 Z",
};

function patternDef(spec: ImageSpec, fill: string): string {
  const ink = spec.colour === "White" || spec.colour === "Sand" ? "#2b2b2b" : "#f4f4f0";
  switch (spec.pattern) {
    case "stripes":
      return `<pattern id="p" width="40" height="40" patternUnits="userSpaceOnUse"><rect width="40" height="40" fill="${fill}"/><rect width="40" height="12" fill="${ink}" opacity="0.55"/></pattern>`;
    case "dots":
      return `<pattern id="p" width="36" height="36" patternUnits="userSpaceOnUse"><rect width="36" height="36" fill="${fill}"/><circle cx="18" cy="18" r="6" fill="${ink}" opacity="0.6"/></pattern>`;
    case "check":
      return `<pattern id="p" width="48" height="48" patternUnits="userSpaceOnUse"><rect width="48" height="48" fill="${fill}"/><rect width="24" height="24" fill="${ink}" opacity="0.35"/><rect x="24" y="24" width="24" height="24" fill="${ink}" opacity="0.35"/></pattern>`;
    default:
      return `<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse"><rect width="10" height="10" fill="${fill}"/></pattern>`;
  }
}

export function garmentSvg(spec: ImageSpec, size = 800): string {
  const fill = COLOURS[spec.colour] ?? "#888888";
  const zoom = spec.view === "detail" ? 'transform="translate(-400 -250) scale(2)"' : "";
  const mirror = spec.view === "back" ? 'transform="translate(800 0) scale(-1 1)"' : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 800 800">
  <defs>${patternDef(spec, fill)}</defs>
  <rect width="800" height="800" fill="#ecebe7"/>
  <ellipse cx="400" cy="735" rx="260" ry="22" fill="#000" opacity="0.08"/>
  <g ${zoom}><g ${mirror}><path d="${SILHOUETTES[spec.garment]}" fill="url(#p)" stroke="#00000033" stroke-width="4" stroke-linejoin="round"/></g></g>
</svg>`;
}

export async function renderGarment(spec: ImageSpec, format: "png" | "jpeg" = "jpeg", size = 800): Promise<Buffer> {
  const image = sharp(Buffer.from(garmentSvg(spec, size)));
  return format === "png" ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}
