"""``python -m hflineage``: the same as the ``hf-lineage`` command."""

from hflineage.explorer.cli import main

if __name__ == "__main__":
    main()
