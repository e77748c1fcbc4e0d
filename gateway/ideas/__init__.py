"""Ideas and participation: supports, référents, decisions, the timeline, events (SPEC "Ideas and participation")."""
