"""Assessment of units (考核): the rates of DESIGN.md §7 per unit and period."""
