"""CLI commands: query (being written; registers nothing yet)."""

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
