"""Explorer: the front ends over the library.

- :mod:`hflineage.explorer.cli`: the ``hf-lineage`` command (one module per command group);
- :mod:`hflineage.explorer.site`: the static site (the report page and the family views).
"""
