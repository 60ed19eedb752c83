"""journeyboard: a real-time collaborative board for Customer Journey Mapping workshops."""

__version__ = "0.1.0"
