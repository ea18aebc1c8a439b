"""Version of the centric package."""

__version__ = "0.1.0"
