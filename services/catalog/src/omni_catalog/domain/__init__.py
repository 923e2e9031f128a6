"""Catalog rules: what valid products, categories and listings are, prices, masks and paging.

Pure: no I/O. Each module holds one kind of rule.
"""
