"""SQLAlchemy 2 async storage: models, engine and repositories."""
