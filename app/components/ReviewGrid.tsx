import { InlineGrid } from "@shopify/polaris";
import { useState } from "react";
import type { ReviewPhoto } from "~/lib/review-photo";
import { ReviewCard } from "./review/ReviewCard";
import { ZoomModal } from "./review/ZoomModal";

export interface ReviewGridProps {
  photos: ReviewPhoto[];
  selected: ReadonlySet<string>;
  onSelect: (id: string, selected: boolean) => void;
}

/** The review grid shared by the shoot page and the product page. */
export function ReviewGrid({ photos, selected, onSelect }: ReviewGridProps) {
  const [zoomed, setZoomed] = useState<string | null>(null);
  return (
    <>
      <InlineGrid columns={{ xs: 1, sm: 2, md: 3 }} gap="300">
        {photos.map((photo) => (
          <ReviewCard key={photo.id} photo={photo} selected={selected.has(photo.id)} onSelect={onSelect} onZoom={(p) => setZoomed(p.id)} />
        ))}
      </InlineGrid>
      {/* By id: the loader's next answer (signed URLs, status) reaches an open zoom too. */}
      <ZoomModal photo={photos.find((p) => p.id === zoomed) ?? null} onClose={() => setZoomed(null)} />
    </>
  );
}
