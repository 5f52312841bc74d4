"""Explorer: the front ends (the ``hf-lineage`` CLI and the HTML pages)."""
