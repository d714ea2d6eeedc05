"""Adapters of the CRM bridge's ports (handlers never import these)."""
