"""API: leads (to be built)."""
