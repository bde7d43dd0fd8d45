from django.db import models


class IndexQueue(models.Model):
    """A change that the search index has not taken in yet.

    Rows are written in the same transaction as the change itself (so a rolled-back change
    queues nothing, and a committed one is never forgotten) and removed by the one worker that
    applies them to the index once the index has committed them.
    """

    model = models.CharField(max_length=100)  # "app_label.modelname"
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self):
        return f"{self.model}:{self.object_id}"
