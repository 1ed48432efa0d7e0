"""In-app notifications to units (and roles within them), with per-user read marks."""
