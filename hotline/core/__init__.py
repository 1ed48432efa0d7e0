"""What every feature stands on: the database, errors, validation, time, paging, revisions,
idempotency keys, the audit log, the shared vocabulary and permissions. Imports no feature."""
