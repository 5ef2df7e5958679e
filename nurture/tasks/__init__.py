"""A rep's tasks: listing, creating, completing with an outcome."""
