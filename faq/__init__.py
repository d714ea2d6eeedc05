"""FAQ entries: model, repository port and adapters, demo content."""
