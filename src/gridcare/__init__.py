"""gridcare: grid-based customer service for utilities."""

__version__ = "0.1.0"
