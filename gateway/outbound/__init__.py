"""Outbound: the worker that hands the outbox to the channel adapters, with retries and reconciliation."""
