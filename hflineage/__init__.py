"""hf-lineage: a lineage graph explorer for the Hugging Face Hub.

The code lives in four layers, installed under this namespace:
``hflineage.loaders`` -> ``hflineage.graph`` -> ``hflineage.queries`` -> ``hflineage.explorer``.
"""

__version__ = "0.1.0"
