"""Outgoing webhooks: lead events posted, signed, to the endpoints admins register."""
