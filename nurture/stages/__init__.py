"""Lifecycle stages as data: the ordered ladder, entry criteria, buying signals, the admin's edits, and counts."""
