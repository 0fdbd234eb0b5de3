from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/demo/", include("demo.api_urls")),
    path("api/v1/", include("ctfy_auth.urls")),
    path("demo/", include("demo.urls")),
    path("", include("ctfy_auth.pages.urls")),  # /device: approve a CLI's sign-in
]
