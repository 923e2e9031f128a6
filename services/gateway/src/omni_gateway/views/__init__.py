"""Public view models: what each audience (shop, staff, partner) sees of a resource.

One module per resource maps the internal protobuf message to its views, in one place. Views are
closed msgspec Structs, so the OpenAPI document gives every response its properties and a
generated client gets real types. Nothing internal crosses: saga state, reservation ids, request
ids and store fields stay behind the gateway. Enums are lower-case words, money is
`{amount_minor, currency}`, times are RFC 3339 UTC.
"""
