"""hotline: the closed loop of a 12345 government-service hotline centre.

The app is made by `hotline.app.create_app()`; docs/architecture.md describes the parts."""
