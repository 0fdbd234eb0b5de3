"""Mount with ``path("api/v1/", include("ctfy_auth.urls"))``."""

from __future__ import annotations

from ctfy_auth.api.urls import urlpatterns

app_name = "ctfy_auth"

__all__ = ["app_name", "urlpatterns"]
