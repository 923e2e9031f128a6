"""The customer service's events: what it publishes (publish) and what it consumes (consume)."""

STREAM = "OMNI_CUSTOMER"
SUBJECTS = ["omni.customer.>"]
