"""Inventory rules. Pure: no I/O, no framework."""
