"""The `strapetsi` command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="Strapetsi workbench: survey analysis and reports for the network.",
                  no_args_is_help=True, add_completion=False)


@app.command()
def version() -> None:
    """Print the workbench version."""
    from . import __version__

    typer.echo(__version__)
