from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from search.indexing import DEPENDENCIES, enqueue


class QueueSignalProcessor(BaseSignalProcessor):
    """Instead of writing the index during the request (haystack's realtime processor), record
    an IndexQueue row in the same transaction; `search.indexing.drain` applies it later."""

    def setup(self):
        signals.post_save.connect(self.handle_save)
        signals.post_delete.connect(self.handle_delete)

    def teardown(self):
        signals.post_save.disconnect(self.handle_save)
        signals.post_delete.disconnect(self.handle_delete)

    def handle_save(self, sender, instance, raw=False, **kwargs):
        if raw or sender._meta.app_label in ("search", "sessions", "core", "admin"):
            return
        if sender in DEPENDENCIES or self._is_indexed(sender):
            enqueue(instance)

    def handle_delete(self, sender, instance, **kwargs):
        if sender in DEPENDENCIES or self._is_indexed(sender):
            enqueue(instance)

    def _is_indexed(self, model):
        from haystack.exceptions import NotHandled

        try:
            self.connections["default"].get_unified_index().get_index(model)
        except NotHandled:
            return False
        return True
