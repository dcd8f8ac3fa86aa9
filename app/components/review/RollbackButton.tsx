import { Button, Modal, Text } from "@shopify/polaris";
import { useState } from "react";
import { photos } from "~/lib/review-photo";

/** Takes every photo of the shoot back off its product, after the merchant confirms. */
export function RollbackButton({ onProduct, busy, onConfirm }: { onProduct: number; busy: boolean; onConfirm: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button tone="critical" disabled={busy} onClick={() => setOpen(true)}>
        Roll back shoot
      </Button>
      <Modal
        open={open}
        onClose={() => setOpen(false)}
        title="Roll back this shoot?"
        primaryAction={{
          content: "Roll back shoot",
          destructive: true,
          onAction: () => {
            setOpen(false);
            onConfirm();
          },
        }}
        secondaryActions={[{ content: "Keep the photos", onAction: () => setOpen(false) }]}
      >
        <Modal.Section>
          <Text as="p">
            {`${photos(onProduct)} from this shoot will be taken off your products in Shopify. Your own product photos stay as they are, and you can publish these photos again later.`}
          </Text>
        </Modal.Section>
      </Modal>
    </>
  );
}
