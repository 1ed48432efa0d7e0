"""Citizen reports (随手拍) and tracking: the public side of intake, no account needed."""
