"""Assessment of units (考核): the rates per unit and period (docs/architecture.md)."""
