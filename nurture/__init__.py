"""Nurture: email nurture and outreach automation engine (the domain core).

Nothing happens on import: functions take a Session and Settings explicitly.
"""
