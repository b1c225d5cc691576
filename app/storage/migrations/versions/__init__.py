"""Revision files (one schema change each, numbered 0001, 0002, ...)."""
