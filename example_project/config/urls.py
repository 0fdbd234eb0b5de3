from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/demo/", include("demo.api_urls")),
    path("api/v1/", include("ctfy_auth.urls")),
    path("demo/", include("demo.urls")),
    path("", include("ctfy_auth.pages.urls")),  # /device: approve a CLI's sign-in
    # Where a provider sign-in lands (CTFY_AUTH["OAUTH_LANDING_URL"]): a stand-in for the
    # host's front end, which reads the session token from the URL fragment.
    path("auth/callback", TemplateView.as_view(template_name="demo/signed_in.html")),
]
