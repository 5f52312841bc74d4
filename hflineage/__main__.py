"""``python -m hflineage``: the same as the ``hf-lineage`` command."""

from hflineage.explorer.cli.entry import run

if __name__ == "__main__":
    run()
