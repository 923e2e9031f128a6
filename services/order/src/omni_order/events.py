"""What the order service publishes (subjects omni.order.<entity>.<event>)."""

STREAM = "OMNI_ORDER"
SUBJECTS = ["omni.order.>"]
