"""Qualifying a sales lead (BANT, then an opportunity) or disqualifying it back to marketing."""
