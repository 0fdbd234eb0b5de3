"""Mount with ``path("api/v1/demo/", include("demo.api_urls"))``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "demo-api"

urlpatterns = [
    path("competitions", views.CompetitionListView.as_view(), name="competition-list"),
    path(
        "competitions/<str:competition_id>/challenges",
        views.ChallengeListView.as_view(),
        name="challenge-list",
    ),
    path(
        "competitions/<str:competition_id>/submissions",
        views.SubmissionCreateView.as_view(),
        name="submission-create",
    ),
    path("profile", views.ProfileView.as_view(), name="profile"),
    path("unscoped", views.UnscopedView.as_view(), name="unscoped"),
]
