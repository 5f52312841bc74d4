"""``hf-lineage serve``: a local web app over one lineage graph.

``app`` is the Starlette app (the page and the JSON API), ``api`` builds the JSON answers,
``search`` the search index, ``console`` the read-only Cypher console and ``page`` the page,
with the static site's escaping and CSP.
"""
