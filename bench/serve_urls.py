"""The application's URLs and /__hello, the smallest Django view, as the yardstick for bench_serve."""

from django.http import HttpResponse
from django.urls import path

from mapapp.urls import handler404, handler500  # noqa: F401 (handlers are read here)
from mapapp.urls import urlpatterns as application


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


def hello_not_modified(request):
    """The smallest 304: what a revalidation costs the server and the client whatever the view does."""
    return HttpResponse(status=304)


urlpatterns = [path("__hello", hello), path("__hello304", hello_not_modified), *application]
