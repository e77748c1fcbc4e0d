"""Stand-ins of the providers, beside the adapters they imitate: a local Twilio, Telegram Bot API and SMTP relay
speaking the real wire formats, for the tests and the demo; never part of a production process."""
