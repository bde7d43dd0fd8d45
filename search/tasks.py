"""The search tasks, defined with what they run (`search.indexing`) and registered under this
module's name."""

from search.indexing import drain_index_queue

__all__ = ["drain_index_queue"]
