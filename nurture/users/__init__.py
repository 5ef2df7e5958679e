"""Users, passwords, roles and API tokens."""
