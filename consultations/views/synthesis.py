"""(being written)"""

from django.http import HttpResponse


def comments_export(request, **kwargs):
    return HttpResponse(status=501)


def synthesis_detail(request, **kwargs):
    return HttpResponse(status=501)


def synthesis_export(request, **kwargs):
    return HttpResponse(status=501)


def answers(request, **kwargs):
    return HttpResponse(status=501)


def synthesis_publish(request, **kwargs):
    return HttpResponse(status=501)


def disposition_edit(request, **kwargs):
    return HttpResponse(status=501)
