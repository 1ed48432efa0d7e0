"""The web shell every feature's pages and API stand in: the API blueprint and its OpenAPI
generator, error rendering, form helpers, navigation, the base template and static files.
It imports no feature."""
