"""Inbound mail: parsing what comes back (replies, bounces, auto-replies), classifying it, polling IMAP."""
