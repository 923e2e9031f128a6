"""The frontend API (/api/v1): web shop, app, POS and chat bots."""
