"""The appeal (诉求/工单), the heart of hotline: its models, the state machine and one record
per action, intake, the engine that takes actions, the effects they cause, deadlines and
escalation, who sees what, and its API, pages and photos (docs/architecture.md)."""
