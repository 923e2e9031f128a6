"""Customer rules: pure functions over protobuf messages, no I/O. One module per concern."""
