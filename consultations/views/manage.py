"""(being written)"""

from django.http import HttpResponse


def consultation_create(request, **kwargs):
    return HttpResponse(status=501)


def consultation_edit(request, **kwargs):
    return HttpResponse(status=501)


def stage_create(request, **kwargs):
    return HttpResponse(status=501)


def stage_edit(request, **kwargs):
    return HttpResponse(status=501)


def stage_cancel(request, **kwargs):
    return HttpResponse(status=501)


def stage_remove(request, **kwargs):
    return HttpResponse(status=501)


def stage_minutes(request, **kwargs):
    return HttpResponse(status=501)
