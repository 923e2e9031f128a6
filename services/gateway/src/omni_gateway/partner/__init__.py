"""The partner API (/partner/v1): marketplaces, under the partner rate limit."""
