"""Authentication of widget requests (short-lived signed widget tokens)."""
