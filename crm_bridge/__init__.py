"""Handoff to people: state machine, context packet, agent console, CRM adapters (issue 5)."""
