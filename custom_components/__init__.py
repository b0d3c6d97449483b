"""Custom integrations (the package exists so tests import the repository copy first)."""
