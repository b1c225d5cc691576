import React, { useCallback, useEffect, useState } from "react";
import {
  Alert, Button, DescriptionList, DescriptionListItem, Divider, Flex, Heading, LoadingSpinner, StatusTag, Text,
} from "@hubspot/ui-extensions";
import { loadCard } from "./backend.js";
import { cardView, dealView, errorView, retryDelaySeconds } from "./cardView.js";

// The card UI; ``fetcher`` is hubspot.fetch in HubSpot and a fake in tests.
function Section({ section }) {
  return (
    <Flex direction="column" gap="xs">
      <Flex direction="row" gap="sm" align="center">
        <Heading>{section.title}</Heading>
        <StatusTag variant={section.tone}>{section.label}</StatusTag>
        {section.ageText ? <Text variant="microcopy">{section.ageText}</Text> : null}
      </Flex>
      {section.message ? <Text>{section.message}</Text> : null}
      {section.rows.length ? (
        <DescriptionList direction="row">
          {section.rows.map((row) => (
            <DescriptionListItem key={row.label} label={row.label}>
              <Text>{row.value}</Text>
            </DescriptionListItem>
          ))}
        </DescriptionList>
      ) : null}
      {section.more ? <Text variant="microcopy">{section.more}</Text> : null}
    </Flex>
  );
}

// The "can I sell?" line: the verdict, the facts behind it, and the outage when the ERP is not answering.
function Glance({ glance }) {
  return (
    <Flex direction="column" gap="xs">
      <Flex direction="row" gap="sm" align="center" wrap="wrap">
        <StatusTag variant={glance.tone}>{glance.label}</StatusTag>
        {glance.text ? <Text>{glance.text}</Text> : null}
      </Flex>
      {glance.outage ? <Text variant="microcopy">{glance.outage}</Text> : null}
    </Flex>
  );
}

// The deal's order readiness and its own lines, above the company's ERP data on deal records.
function DealReadiness({ deal }) {
  return (
    <Flex direction="column" gap="xs">
      <Flex direction="row" gap="sm" align="center">
        <Heading>{deal.title}</Heading>
        {deal.label ? <StatusTag variant={deal.tone}>{deal.label}</StatusTag> : null}
      </Flex>
      {deal.summary ? <Text>{deal.summary}</Text> : null}
      {deal.items.map((item) => (
        <Text key={item.key}><StatusTag variant={item.tone}>{item.label}</StatusTag> {item.text}</Text>
      ))}
      {deal.lines.map((line) => (
        <Text key={line.key}>
          <StatusTag variant={line.tone}>{line.stockLabel}</StatusTag> {line.label}: {line.text}
        </Text>
      ))}
    </Flex>
  );
}

// ``retryBase``: first automatic re-load delay in seconds for "retrying" sections (tests shorten it).
export function ErpPanel({ context, fetcher, retryBase = 2 }) {
  const [model, setModel] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const [tries, setTries] = useState(0);

  const load = useCallback(async (refresh) => {
    setLoading(true);
    const result = await loadCard(fetcher, context, { refresh });
    if (result.model) {
      setModel(result.model);
      setError(null);
    } else {
      setError(errorView(result.error));
    }
    setLoading(false);
  }, [fetcher, context]);

  useEffect(() => { load(false); }, [load]);

  // Sections the ERP did not answer for yet: load the card again while it is open, with a growing pause.
  const hint = model ? cardView(model).retryIn : null;
  useEffect(() => {
    if (hint === null) { setTries(0); return undefined; }
    const timer = setTimeout(() => { setTries((n) => n + 1); load(false); },
      retryDelaySeconds(hint, tries, retryBase) * 1000);
    return () => clearTimeout(timer);
  }, [model]);

  if (loading && !model) return <LoadingSpinner label="Loading ERP data" />;
  const view = model ? cardView(model) : null;
  const deal = model ? dealView(model) : null;
  return (
    <Flex direction="column" gap="sm">
      {error ? <Alert title="ERP data" variant={error.tone}>{error.text}</Alert> : null}
      {view && view.glance ? <Glance glance={view.glance} /> : null}
      {deal ? <DealReadiness deal={deal} /> : null}
      {deal && view ? <Divider /> : null}
      {view ? (
        <>
          <Heading>{view.heading}</Heading>
          {view.subtitle ? <Text variant="microcopy">{view.subtitle}</Text> : null}
          {view.notice ? <Alert title="ERP data" variant={view.notice.tone}>{view.notice.text}</Alert> : null}
          {view.sections.map((section) => (
            <React.Fragment key={section.key}>
              <Divider />
              <Section section={section} />
            </React.Fragment>
          ))}
          {view.canRefresh ? (
            <Button onClick={() => load(true)} disabled={loading}>Refresh from ERP</Button>
          ) : null}
        </>
      ) : null}
    </Flex>
  );
}
