"""The ``hf-lineage`` command: a thin layer of options, progress and output formats.

``main`` holds the command group and the reporting commands; each other module holds one
command group (``crawl``, ``cypher``, ``html``, ``snapshot`` ...). ``entry`` is the console
script: it sets the process up before numpy is imported, then runs ``main``.
"""
