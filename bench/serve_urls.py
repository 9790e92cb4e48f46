"""The application's URLs and /__hello, the smallest Django view, as the yardstick for bench_serve."""

from django.http import HttpResponse
from django.urls import path

from mapapp.urls import handler404, handler500  # noqa: F401 (handlers are read here)
from mapapp.urls import urlpatterns as application


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("__hello", hello), *application]
