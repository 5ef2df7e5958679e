"""Leads: validation, capture (API, forms, CSV), changes recorded on the timeline."""
