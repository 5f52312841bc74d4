"""The static site: the report page with inline SVG charts, and the pyvis family views.

Pages only render: what a view draws is chosen by :mod:`hflineage.queries.subgraph`.
Every Hub string is escaped in :mod:`hflineage.explorer.site.page`, which also holds the
page shell and its content security policy.
"""
