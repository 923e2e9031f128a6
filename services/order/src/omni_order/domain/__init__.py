"""Order rules. Pure: no I/O, no framework; protobuf messages are the data they work on."""
