"""The sales-ready handoff: thresholds, routing to a rep, the first-touch task and its SLA, the notification."""
