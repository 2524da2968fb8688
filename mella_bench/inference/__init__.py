"""Running a model over tasks: the run loop, shards and executors, and the backends."""
