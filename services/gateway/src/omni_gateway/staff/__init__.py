"""The staff API (/staff/v1): store associates and managers, consultants, admins."""
