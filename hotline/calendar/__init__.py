"""Working days: the Chinese statutory calendar with 调休, plus local overrides."""
