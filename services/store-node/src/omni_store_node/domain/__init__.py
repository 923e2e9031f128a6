"""The store node's pure rules: no I/O."""
