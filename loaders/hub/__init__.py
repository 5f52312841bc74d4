"""Talking to the live Hub: the resumable crawler and the small fetches beside it.

- :mod:`~hflineage.loaders.hub.client`: HTTP through huggingface_hub, every reply bounded
  (deadline, size cap, retries within a time budget, same origin only);
- :mod:`~hflineage.loaders.hub.crawl`: whole-Hub, family and single-model crawls into a
  snapshot, resumable after a kill (:mod:`~hflineage.loaders.hub.checkpoint`), each record
  checked on its own (:mod:`~hflineage.loaders.hub.records`) and written as JSONL or
  hub-stats parquet (:mod:`~hflineage.loaders.hub.parquet`);
- :mod:`~hflineage.loaders.hub.authors`, :mod:`~hflineage.loaders.hub.stubs`,
  :mod:`~hflineage.loaders.hub.repo_files`: user-or-org kinds, missing parents, and
  ``adapter_config.json``/``config.json`` evidence.

Progress is reported through the :class:`~hflineage.loaders.hub.crawl.CrawlProgress`
protocol; the CLI draws it.
"""
