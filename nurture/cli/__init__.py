"""The ``nurture`` command line: the composition root, where web, workers and core meet.

Commands import Flask and RQ code lazily, inside the command, so the core
never depends on them.
"""
