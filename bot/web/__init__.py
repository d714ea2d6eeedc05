"""HTTP routes of the web process that are not channel webhooks."""
