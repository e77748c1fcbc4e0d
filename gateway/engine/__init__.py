"""The engine: the conversation and the phone line as state machines (diagrams beside them), and the templates they speak."""
