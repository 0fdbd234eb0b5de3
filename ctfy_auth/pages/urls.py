"""Mount with ``path("", include("ctfy_auth.pages.urls"))``: ``/device``, ``/signin``."""

from __future__ import annotations

from django.urls import path

from ctfy_auth.pages import views

app_name = "ctfy_auth_pages"

urlpatterns = [
    path("signin", views.signin, name="signin"),
    path("device", views.device, name="device"),
    path("device/decide", views.decide, name="device-decide"),
    path("device/sign-in", views.sign_in, name="device-sign-in"),
    path("device/sign-out", views.sign_out, name="device-sign-out"),
]
