"""Notification rules, pure (no I/O): the event registry, templates, routing, drafts, requests."""
