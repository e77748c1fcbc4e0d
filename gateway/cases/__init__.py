"""Cases: the flows that open, change, notify and escalate them, the agents' actions on them, what the public may see."""
