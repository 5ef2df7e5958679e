"""``nurture import leads FILE.csv`` (to be built)."""

import click


@click.group(name="import")
def import_group() -> None:
    """Import data from files."""
