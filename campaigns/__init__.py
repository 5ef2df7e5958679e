"""The sequence engine shared by nurture sequences and sales cadences (built by the sequences issue)."""
