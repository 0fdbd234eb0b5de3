from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from demo.home import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    # Before the api/v1/ includes, so no catch-all there can ever take them.
    path("api/v1/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/demo/", include("demo.api_urls")),
    path("api/v1/", include("ctfy_auth.urls")),
    path("demo/", include("demo.urls")),
    path("", include("ctfy_auth.pages.urls")),  # /device: approve a CLI's sign-in
    path("oauth/", include("ctfy_auth.oauth.urls")),  # the OAuth server (docs/oauth.md)
    # Where a provider sign-in lands (CTFY_AUTH["OAUTH_LANDING_URL"]): a stand-in for the
    # host's front end, which reads the session token from the URL fragment.
    path("auth/callback", TemplateView.as_view(template_name="demo/signed_in.html")),
]
