import { BlockStack, Box, Button, Text } from "@shopify/polaris";

/** A quiet empty state: a heading, a line of help, and an optional next step. */
export function EmptyNote({ heading, children, action }: { heading: string; children: React.ReactNode; action?: { content: string; url: string } }) {
  return (
    <Box padding="600">
      <BlockStack gap="200" inlineAlign="center">
        <Text as="h3" variant="headingMd" alignment="center">
          {heading}
        </Text>
        <Text as="p" tone="subdued" alignment="center">
          {children}
        </Text>
        {action && <Button url={action.url}>{action.content}</Button>}
      </BlockStack>
    </Box>
  );
}
