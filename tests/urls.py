from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView


def whoami(request: HttpRequest) -> JsonResponse:
    """A plain Django view: the middleware makes a session bearer its request.user."""
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated, "id": getattr(user, "id", None)})


urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the api/v1/ includes, so no catch-all there can ever take them.
    path("api/v1/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/demo/", include("demo.api_urls")),
    path("api/v1/", include("ctfy_auth.urls")),
    path("demo/", include("demo.urls")),
    path("", include("ctfy_auth.pages.urls")),
    path("oauth/", include("ctfy_auth.oauth.urls")),
    path("plain/whoami", whoami),
]
