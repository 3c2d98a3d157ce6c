"""SQL migrations, applied in order on start (see server.db)."""
