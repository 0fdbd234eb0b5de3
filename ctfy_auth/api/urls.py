"""Routes under the host's mount point (``/api/v1/`` in the ctfy contract). No trailing slashes."""

from __future__ import annotations

from django.urls import path, re_path

from ctfy_auth.api.views.accounts import LoginView, PasswordView, RegisterView
from ctfy_auth.api.views.admin import AdminTokenRevokeView, AdminUserViewSet, TokenTraceView
from ctfy_auth.api.views.devices import (
    DeviceApproveView,
    DeviceCodeView,
    DeviceDenyView,
    DeviceInfoView,
    DeviceTokenView,
)
from ctfy_auth.api.views.errors import not_found
from ctfy_auth.api.views.identities import IdentityViewSet
from ctfy_auth.api.views.me import MeView, ReauthenticateView
from ctfy_auth.api.views.oauth import IdentityLinkView, OAuthCallbackView, OAuthLoginView
from ctfy_auth.api.views.providers import ProvidersView
from ctfy_auth.api.views.tokens import TokenScopesView, TokenTemplatesView, TokenViewSet

urlpatterns = [
    path("auth/register", RegisterView.as_view(), name="register"),
    path("auth/login", LoginView.as_view(), name="login"),
    path("auth/providers", ProvidersView.as_view(), name="providers"),
    path("auth/login/<str:provider>", OAuthLoginView.as_view(), name="oauth-login"),
    path("auth/callback/<str:provider>", OAuthCallbackView.as_view(), name="oauth-callback"),
    path("auth/password", PasswordView.as_view(), name="password"),
    path("auth/identities", IdentityViewSet.as_view({"get": "list"}), name="identity-list"),
    path("auth/identities/link/<str:provider>", IdentityLinkView.as_view(), name="identity-link"),
    path(
        "auth/identities/<str:pk>",
        IdentityViewSet.as_view({"delete": "destroy"}),
        name="identity-detail",
    ),
    path(
        "auth/tokens",
        TokenViewSet.as_view({"get": "list", "post": "create"}),
        name="token-list",
    ),
    # Before auth/tokens/<pk>, so these names are never taken for an id.
    path("auth/tokens/scopes", TokenScopesView.as_view(), name="token-scopes"),
    path("auth/tokens/templates", TokenTemplatesView.as_view(), name="token-templates"),
    path(
        "auth/tokens/others",
        TokenViewSet.as_view({"delete": "destroy_others"}),
        name="token-others",
    ),
    path(
        "auth/tokens/<str:pk>",
        TokenViewSet.as_view({"delete": "destroy", "patch": "partial_update"}),
        name="token-detail",
    ),
    path("auth/tokens/<str:pk>/renew", TokenViewSet.as_view({"post": "renew"}), name="token-renew"),
    path(
        "auth/tokens/<str:pk>/rotate", TokenViewSet.as_view({"post": "rotate"}), name="token-rotate"
    ),
    path("auth/device/code", DeviceCodeView.as_view(), name="device-code"),
    path("auth/device/token", DeviceTokenView.as_view(), name="device-token"),
    path("auth/device/approve", DeviceApproveView.as_view(), name="device-approve"),
    path("auth/device/deny", DeviceDenyView.as_view(), name="device-deny"),
    path("auth/device/info", DeviceInfoView.as_view(), name="device-info"),
    path("me", MeView.as_view(), name="me"),
    path("me/reauthenticate", ReauthenticateView.as_view(), name="me-reauthenticate"),
    path("admin/users", AdminUserViewSet.as_view({"get": "list"}), name="admin-user-list"),
    path(
        "admin/users/<str:pk>",
        AdminUserViewSet.as_view({"get": "retrieve"}),
        name="admin-user-detail",
    ),
    path(
        "admin/users/<str:pk>/role",
        AdminUserViewSet.as_view({"patch": "set_role"}),
        name="admin-user-role",
    ),
    path("admin/token-trace", TokenTraceView.as_view(), name="admin-token-trace"),
    path(
        "admin/tokens/<str:token_id>/revoke",
        AdminTokenRevokeView.as_view(),
        name="admin-token-revoke",
    ),
    # Anything else under our prefixes is a 404 in the envelope, not the host's HTML page.
    re_path(r"^(?:auth|me|admin)(?:/.*)?$", not_found, name="not-found"),
]
