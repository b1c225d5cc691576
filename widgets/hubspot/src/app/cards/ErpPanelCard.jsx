import React from "react";
import { hubspot } from "@hubspot/ui-extensions";
import { ErpPanel } from "./ErpPanel.jsx";

// Entry point for both cards (company and deal records): the backend resolves a deal's company.
hubspot.extend(({ context }) => <ErpPanel context={context} fetcher={hubspot.fetch} />);
