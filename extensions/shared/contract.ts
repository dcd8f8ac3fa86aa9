// The JSON the app's backend and the admin extensions exchange. The backend routes
// (app/routes/api.extensions.*) check their answers against these types, so the two
// sides cannot drift apart silently.

export type ReviewStatus = "new" | "needs_review" | "approved" | "rejected" | "publishing" | "published" | "publish_failed";

export interface ShootOptions {
  modelPreset: string;
  posePreset: string;
  scenePreset: string;
  generationType: string;
  aspectRatio: string;
  variations: number;
  prompt?: string;
}

export interface Choice {
  id: string;
  label: string;
}

export interface QuoteResponse {
  products: { id: string; has_photo: boolean; photo_url: string | null }[];
  missing_product_ids: string[];
  looks: { id: string; name: string; options: ShootOptions }[];
  presets: {
    models: Choice[];
    poses: Choice[];
    scenes: Choice[];
    generationTypes: (Choice & { credits: number })[];
    aspectRatios: string[];
    maxVariations: number;
  };
  selection: { look_id: string | null; options: ShootOptions };
  price: { images: number; per_image: number; total: number };
  balance: number;
  balance_after: number;
  affordable: boolean;
  can_shoot: boolean;
  /** The app's credits page in Shopify admin, for a balance that falls short. */
  credits_url: string;
}

export interface CreateShootRequest {
  clientKey: string;
  productIds: string[];
  lookId?: string;
  options?: ShootOptions;
  variations?: number;
}

export interface CreateShootResponse {
  batch_id: string;
  job_ids: string[];
  cost_credits: number;
  remaining_credits: number;
  shoot_url: string;
  replayed: boolean;
}

export interface ImportResponse {
  import_run_id: string;
  products: number;
}

export interface ProductOutputsResponse {
  product_id: string;
  outputs: {
    job_id: string;
    review_status: ReviewStatus | null;
    thumbnail_url: string | null;
    width: number | null;
    height: number | null;
    completed_at: string | null;
    shoot_url: string | null;
  }[];
  in_progress: number;
  review_url: string;
}

export type ErrorCode =
  | "unauthenticated"
  | "invalid_request"
  | "invalid_selection"
  | "look_not_found"
  | "missing_photos"
  | "invalid_shoot"
  | "invalid_import"
  | "insufficient_credits"
  | "credits_owed"
  | "rate_limited"
  | "method_not_allowed"
  | "internal";

export interface ErrorResponse {
  error: string;
  code: ErrorCode;
  /** missing_photos: the products that have no photo in Atelier. */
  product_ids?: string[];
  /** insufficient_credits */
  required?: number;
  balance?: number;
  /** rate_limited */
  retry_at?: string;
}
