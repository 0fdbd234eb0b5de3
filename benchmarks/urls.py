"""The benchmark project's routes: the trivial endpoints and ctfy_auth's API."""

from __future__ import annotations

from django.urls import include, path

from benchmarks import views

urlpatterns = [
    path("bench/anonymous", views.AnonymousView.as_view()),
    path("bench/drf", views.DRFTokenView.as_view()),
    path("bench/knox", views.KnoxTokenView.as_view()),
    path("bench/oauth2", views.OAuth2TokenView.as_view()),
    path("bench/session", views.SessionTokenView.as_view()),
    path("bench/scoped", views.ScopedTokenView.as_view()),
    path("api/v1/", include("ctfy_auth.urls")),
]
