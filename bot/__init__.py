"""Naast: a Dutch assistant that stands beside the resident and hands their story to a professional."""

__version__ = "0.1.0"
