"""Channels, engine, worker, storage, settings and the CLI of servicebot."""
