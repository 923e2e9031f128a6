"""The store node: runs in a store next to its tills and keeps them selling offline."""
