"""Customer rules over the service's own types (dataclasses, enums), no I/O and no protobuf: the
mapping lives in api/messages.py and store/documents.py. One module per concern."""
