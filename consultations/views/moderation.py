"""(being written)"""

from django.http import HttpResponse


def queue(request, **kwargs):
    return HttpResponse(status=501)


def moderate(request, **kwargs):
    return HttpResponse(status=501)
