"""The OAuth server's routes. Mount them at the path of ``CTFY_AUTH["OAUTH_ISSUER"]``::

    path("oauth/", include("ctfy_auth.oauth.urls")),  # issuer https://host/oauth

Exact paths, no trailing slashes: some SDKs build ``{issuer}/token`` themselves.
"""

from __future__ import annotations

from django.urls import path

from ctfy_auth.oauth import views

app_name = "ctfy_oauth"

urlpatterns = [
    path("authorize", views.AuthorizeView.as_view(), name="authorize"),
    path("token", views.TokenView.as_view(), name="token"),
    path("userinfo", views.UserInfoView.as_view(), name="userinfo"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path(".well-known/openid-configuration", views.DiscoveryView.as_view(), name="discovery"),
    path("jwks", views.JwksView.as_view(), name="jwks"),
    path("introspect", views.IntrospectView.as_view(), name="introspect"),
    path("revoke", views.RevokeView.as_view(), name="revoke"),
]
