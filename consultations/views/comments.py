"""(being written)"""

from django.http import HttpResponse


def comment_post(request, **kwargs):
    return HttpResponse(status=501)


def comment_detail(request, **kwargs):
    return HttpResponse(status=501)


def comment_reply(request, **kwargs):
    return HttpResponse(status=501)


def comment_react(request, **kwargs):
    return HttpResponse(status=501)


def comment_flag(request, **kwargs):
    return HttpResponse(status=501)


def comment_withdraw(request, **kwargs):
    return HttpResponse(status=501)


def unsubscribe(request, **kwargs):
    return HttpResponse(status=501)
