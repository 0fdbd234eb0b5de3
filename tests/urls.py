from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def whoami(request: HttpRequest) -> JsonResponse:
    """A plain Django view: the middleware makes a session bearer its request.user."""
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated, "id": getattr(user, "id", None)})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/demo/", include("demo.api_urls")),
    path("api/v1/", include("ctfy_auth.urls")),
    path("demo/", include("demo.urls")),
    path("", include("ctfy_auth.pages.urls")),
    path("plain/whoami", whoami),
]
