"""Opportunities: deals created by qualifying a lead, moved through a pipeline, never deleted."""
