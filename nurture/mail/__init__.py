"""Mail: building messages and handing them to a transport (SMTP or the local outbox)."""
