"""Accounts, roles, sign-in for pages and bearer tokens for the API."""
