"""Pipedrive marketplace app: OAuth install, JSON + iframe panels, webhooks v2 won deals, write-back."""
