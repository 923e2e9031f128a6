"""What inventory publishes (subjects omni.inventory.<entity>.<event>)."""

STREAM = "OMNI_INVENTORY"
SUBJECTS = ["omni.inventory.>"]
