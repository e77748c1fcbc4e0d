"""Inbound: each provider's entry point (webhooks, the SMTP server, the phone line's routes) verifies, stores, answers 2xx."""
