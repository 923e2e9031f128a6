"""What the notification service publishes (subjects omni.notification.<entity>.<event>)."""

STREAM = "OMNI_NOTIFICATION"
SUBJECTS = ["omni.notification.>"]
