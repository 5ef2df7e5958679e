"""API: openapi (to be built)."""
