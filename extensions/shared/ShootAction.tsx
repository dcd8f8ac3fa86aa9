/** @jsxImportSource preact */
/// <reference types="@shopify/ui-extensions/admin.product-details.action.render" />
import { useEffect, useReducer } from "preact/hooks";
import type { AtelierClient } from "./api";
import type { QuoteResponse, ShootOptions } from "./contract";
import { asErrorResponse } from "./errors";
import { blocker, canSubmit, initialState, missingIds, priceView, quoteDue, reduce, shootRequest, type ShootFormState } from "./shoot-form";

export interface ShootActionProps {
  heading: string;
  productIds: string[];
  client: AtelierClient;
  close: () => void;
  newClientKey: () => string;
  /** While photos import, the quote is asked again this often. */
  importPollMs?: number;
}

/** The product action and the bulk selection action: choose, see the price, shoot. */
export function ShootAction(props: ShootActionProps) {
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(props.productIds, props.newClientKey()));
  const due = quoteDue(state);

  useEffect(() => {
    if (!due) return;
    props.client.quote(due).then(
      (quote) => dispatch({ type: "quoted", search: due, quote }),
      (error) => dispatch({ type: "quoteFailed", search: due, error: asErrorResponse(error) }),
    );
  }, [due]);

  useEffect(() => {
    if (state.phase !== "importing" || due) return;
    const timer = setTimeout(() => dispatch({ type: "refresh" }), props.importPollMs ?? 3000);
    return () => clearTimeout(timer);
  }, [state.phase, state.quote, due]);

  const submit = async () => {
    if (!canSubmit(state)) return;
    dispatch({ type: "submit" });
    try {
      dispatch({ type: "created", created: await props.client.createShoot(shootRequest(state)), nextClientKey: props.newClientKey() });
    } catch (error) {
      dispatch({ type: "failed", error: asErrorResponse(error) });
      // The refusal may mean the balance or the photos changed: show them as they are.
      dispatch({ type: "refresh" });
    }
  };

  const importMissing = async () => {
    try {
      await props.client.importPhotos(missingIds(state));
      dispatch({ type: "importStarted" });
    } catch (error) {
      dispatch({ type: "failed", error: asErrorResponse(error) });
    }
  };

  const created = state.created;
  const price = state.quote ? priceView(state.quote) : null;
  return (
    <s-admin-action heading={props.heading} loading={!state.quote && !state.quoteError}>
      {created ? (
        <s-banner tone="success" heading="Shoot started">
          <s-stack direction="block" gap="small">
            <s-paragraph>{`${created.cost_credits} credits reserved, ${created.remaining_credits} left. Photos that fail are refunded automatically.`}</s-paragraph>
            <s-link href={created.shoot_url}>Open the shoot in Atelier</s-link>
          </s-stack>
        </s-banner>
      ) : (
        <s-stack direction="block" gap="base">
          {state.quoteError && <s-banner tone="critical" heading="Atelier could not price this shoot">{state.quoteError.error}</s-banner>}
          {state.error && <s-banner tone="critical" heading="The shoot was not created">{state.error.error}</s-banner>}
          {state.quote && <Products state={state} quote={state.quote} onImport={importMissing} onLeaveOut={() => dispatch({ type: "leaveOutMissing" })} />}
          {state.quote && state.options && <Choices quote={state.quote} lookId={state.lookId} options={state.options} dispatch={dispatch} />}
          {state.quote && price && (
            <s-stack direction="block" gap="small-200">
              <s-text type="strong" id="shoot-price">{`Price: ${price.total}`}</s-text>
              <s-text color="subdued">{price.breakdown}</s-text>
              <s-text tone={price.short ? "critical" : "auto"} id="balance-after">{price.balance}</s-text>
              {price.short && <s-link href={state.quote.credits_url}>Buy credits</s-link>}
            </s-stack>
          )}
        </s-stack>
      )}
      {created ? (
        <s-button slot="primary-action" variant="primary" onClick={props.close}>
          Done
        </s-button>
      ) : (
        <s-button slot="primary-action" variant="primary" disabled={!canSubmit(state)} loading={state.phase === "submitting"} onClick={submit}>
          {price ? `Create on-model photos · ${price.total}` : "Create on-model photos"}
        </s-button>
      )}
      <s-button slot="secondary-actions" onClick={props.close}>
        {created ? "Close" : "Cancel"}
      </s-button>
    </s-admin-action>
  );
}

function Products(p: { state: ShootFormState; quote: QuoteResponse; onImport: () => void; onLeaveOut: () => void }) {
  const { state, quote } = p;
  const why = blocker(state);
  const single = state.productIds.length === 1 ? quote.products[0] : undefined;
  const missing = missingIds(state).length;
  return (
    <s-stack direction="block" gap="small">
      {single ? (
        single.photo_url ? (
          <s-image src={single.photo_url} alt="The product photo Atelier shoots from" aspectRatio="3/4" objectFit="contain" inlineSize="auto" />
        ) : null
      ) : (
        <s-stack direction="block" gap="small-200">
          <s-text type="strong">{`${state.productIds.length} products`}</s-text>
          <s-stack direction="inline" gap="small-200">
            {quote.products
              .filter((product) => product.photo_url && state.productIds.includes(product.id))
              .slice(0, 12)
              .map((product) => (
                <s-thumbnail key={product.id} src={product.photo_url!} alt={product.id} size="small" />
              ))}
          </s-stack>
        </s-stack>
      )}
      {why?.kind === "no_products" && <s-banner tone="warning">{why.message}</s-banner>}
      {why?.kind === "missing_photos" && (
        <s-banner tone="warning" heading={state.phase === "importing" ? "Importing photos from Shopify" : "Photos needed"}>
          <s-stack direction="block" gap="small">
            <s-paragraph id="missing-photos">
              {state.phase === "importing" ? `${missing} still to come. This updates by itself; products with no images in Shopify stay here.` : why.message}
            </s-paragraph>
            <s-stack direction="inline" gap="small">
              {state.phase !== "importing" && <s-button onClick={p.onImport}>Import photos from Shopify</s-button>}
              {missing < state.productIds.length && <s-button onClick={p.onLeaveOut}>{`Leave out ${missing} without a photo`}</s-button>}
            </s-stack>
          </s-stack>
        </s-banner>
      )}
      {why?.kind === "insufficient_credits" && <s-banner tone="critical">{why.message}</s-banner>}
    </s-stack>
  );
}

type Dispatch = (event: Parameters<typeof reduce>[1]) => void;
type OptionKey = Exclude<keyof ShootOptions, "prompt">;

function Choices(p: { quote: QuoteResponse; lookId: string | null; options: ShootOptions; dispatch: Dispatch }) {
  const { presets, looks } = p.quote;
  const select = (key: OptionKey, label: string, choices: { id: string; label: string }[]) => (
    <s-select label={label} value={String(p.options[key])} onChange={(e) => p.dispatch({ type: "setOption", key, value: e.currentTarget.value })}>
      {choices.map((c) => (
        <s-option key={c.id} value={c.id}>
          {c.label}
        </s-option>
      ))}
    </s-select>
  );
  return (
    <s-stack direction="block" gap="small">
      {looks.length > 0 && (
        <s-select label="Saved look" value={p.lookId ?? ""} onChange={(e) => p.dispatch({ type: "chooseLook", lookId: e.currentTarget.value || null })}>
          <s-option value="">Choose presets</s-option>
          {looks.map((l) => (
            <s-option key={l.id} value={l.id}>
              {l.name}
            </s-option>
          ))}
        </s-select>
      )}
      {!p.lookId && (
        <>
          {select("modelPreset", "Model", presets.models)}
          {select("posePreset", "Pose", presets.poses)}
          {select("scenePreset", "Scene", presets.scenes)}
          {select(
            "generationType",
            "Quality",
            presets.generationTypes.map((g) => ({ id: g.id, label: `${g.label} · ${g.credits} credit${g.credits > 1 ? "s" : ""} per photo` })),
          )}
          {select("aspectRatio", "Aspect ratio", presets.aspectRatios.map((a) => ({ id: a, label: a })))}
        </>
      )}
      {select(
        "variations",
        "Photos per product",
        Array.from({ length: presets.maxVariations }, (_, i) => ({ id: String(i + 1), label: String(i + 1) })),
      )}
    </s-stack>
  );
}
