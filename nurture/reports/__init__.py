"""Reports computed with grouped SQL queries."""
