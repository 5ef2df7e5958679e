"""Running the processes: the embedded Redis and the process supervisor of ``nurture up``."""
