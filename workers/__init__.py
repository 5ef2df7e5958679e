"""The thin RQ layer: connection, queues, jobs (ids in, services do the work), entry points."""
