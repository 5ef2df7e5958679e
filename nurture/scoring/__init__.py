"""Scoring: decaying engagement, fit from what we know, grade and temperature — each explainable."""
