"""Side effects that are never lost and never doubled: the transactional outbox, its relay
to RQ (or inline), and the jobs that run from it."""
