"""(being written)"""

from django.http import HttpResponse


def consultation_detail(request, **kwargs):
    return HttpResponse(status=501)


def follow(request, **kwargs):
    return HttpResponse(status=501)


def stage(request, **kwargs):
    return HttpResponse(status=501)
