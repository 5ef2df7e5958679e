"""The broken links, visible: leads and deals stuck where nobody moves them (see categories.py)."""
