"""Cypher over the lineage graph: an embedded engine, or Neo4j/FalkorDB over Bolt.

- :mod:`~hflineage.queries.cypher.tables`: the node and relationship tables every backend is
  loaded with (the schema);
- :mod:`~hflineage.queries.cypher.library`: the shipped queries (``library/*.cypher``) and
  what every runner shares;
- :mod:`~hflineage.queries.cypher.dialect`: Neo4j's meaning on the embedded engine (query
  rewrites) and the checks FalkorDB needs;
- :mod:`~hflineage.queries.cypher.embedded`, :mod:`~hflineage.queries.cypher.bolt`: the runners;
  :mod:`~hflineage.queries.cypher.bolt_push`, :mod:`~hflineage.queries.cypher.neo4j_csv`:
  loading a Bolt server, or files for ``neo4j-admin import``;
- :mod:`~hflineage.queries.cypher.schema`: ``db schema``; :mod:`~hflineage.queries.cypher.call`:
  ``hflineage.cypher`` for notebooks.
"""
