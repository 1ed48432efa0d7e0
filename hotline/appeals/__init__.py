"""The appeal lifecycle: the state machine, its operations, deadlines and numbering."""
