"""Sign-in with a provider (``/auth/login``, ``/auth/callback``) and linking one (wire §4.5).

The login and callback routes are browser navigations: success is a 302, errors
are JSON envelopes (as ctfy). The session token rides in the landing URL's
fragment, which browsers never send to a server nor put in a ``Referer``.

Every flow is bound to the browser that started it by the ``BROWSER_COOKIE``:
set on the login redirect, and on the response to the link start (which the
signed-in front end calls from that same browser), and presented at the callback.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView, CtfyPublicAPIView
from ctfy_auth.api.schema import errors, set_cookie_header
from ctfy_auth.api.serializers.identities import (
    LinkStartSerializer,
    OAuthCallbackQuerySerializer,
    OAuthLoginQuerySerializer,
)
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import (
    AccountDisabled,
    EmailBelongsToPasswordAccount,
    IdentityAlreadyLinked,
    OAuthLinkSessionExpired,
    OAuthLinkTargetMissing,
    OAuthMissingParams,
    OAuthProviderLinkOnly,
    OAuthProviderNotConfigured,
    OAuthStateInvalid,
    OAuthStateMismatch,
    ProviderEmailUnverified,
    ProviderFailed,
    ReauthenticationRequired,
)
from ctfy_auth.redirects import safe_redirect
from ctfy_auth.services import provider_sign_in

__all__ = ["BROWSER_COOKIE", "IdentityLinkView", "OAuthCallbackView", "OAuthLoginView"]

#: Binds a sign-in or a link to the browser that started it (HttpOnly, SameSite=Lax, callback
#: path only).
BROWSER_COOKIE = "ctfy_auth_oauth"
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


def callback_uri(request: Request, provider: str) -> str:
    """``<public origin>/…/auth/callback/<provider>``: what the provider redirects back to."""
    origin = app_settings.OAUTH_REDIRECT_ORIGIN.rstrip("/")
    if not origin:
        origin = request.build_absolute_uri("/").rstrip("/")
    return origin + reverse("ctfy_auth:oauth-callback", kwargs={"provider": provider})


def _no_store(response: Any) -> Any:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


#: The ``Set-Cookie`` of :func:`_bind_browser`, for the schema.
_BROWSER_BOUND = f"`{BROWSER_COOKIE}`: HttpOnly, SameSite=Lax, path: the callback."


def _bind_browser(response: Any, request: Request, provider: str, browser_key: str) -> Any:
    """Give the starting browser the flow's key, sent back only to this provider's callback."""
    response.set_cookie(
        BROWSER_COOKIE,
        browser_key,
        max_age=provider_sign_in.MAX_FLOW_LIFETIME_SECONDS,
        path=reverse("ctfy_auth:oauth-callback", kwargs={"provider": provider}),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


class OAuthLoginView(CtfyPublicAPIView):
    """``GET /auth/login/{provider}?redirect_to=``: 302 to the provider's consent page."""

    rate_buckets = {"get": "oauth_start"}

    @extend_schema(
        operation_id="oauth_login",
        parameters=[OAuthLoginQuerySerializer, *set_cookie_header(_BROWSER_BOUND, status=302)],
        responses={
            302: OpenApiResponse(description="To the provider's consent page."),
            **errors(OAuthProviderLinkOnly, OAuthProviderNotConfigured),
        },
    )
    def get(self, request: Request, provider: str) -> HttpResponseRedirect:
        """Start a sign-in at a provider (browser navigation).

        Redirects to the provider's consent page with a signed, expiring `state` and PKCE
        (`S256`), and sets an HttpOnly cookie that binds the sign-in to this browser.
        """
        self.check_rate()
        redirect_to = safe_redirect(request.query_params.get("redirect_to", "/"))
        started = provider_sign_in.start_login(
            provider, redirect_to=redirect_to, redirect_uri=callback_uri(request, provider)
        )
        response = _no_store(HttpResponseRedirect(started.authorize_url))
        return _bind_browser(response, request, provider, started.browser_key)


class OAuthCallbackView(CtfyPublicAPIView):
    """``GET /auth/callback/{provider}?code=&state=``: 302 to the landing URL with the session."""

    rate_buckets = {"get": "oauth_callback"}

    @extend_schema(
        operation_id="oauth_callback",
        parameters=[
            OAuthCallbackQuerySerializer,
            *set_cookie_header(f"Clears `{BROWSER_COOKIE}`.", status=302),
        ],
        responses={
            302: OpenApiResponse(description="To the landing URL, the session in the fragment."),
            **errors(
                OAuthMissingParams,
                OAuthStateInvalid,
                ProviderFailed,
                OAuthStateMismatch,
                OAuthLinkSessionExpired,
                ProviderEmailUnverified,
                OAuthLinkTargetMissing,
                OAuthProviderLinkOnly,
                AccountDisabled,
                OAuthProviderNotConfigured,
                IdentityAlreadyLinked,
                EmailBelongsToPasswordAccount,
            ),
        },
    )
    def get(self, request: Request, provider: str) -> HttpResponseRedirect:
        """Where the provider sends the browser back.

        On success, redirects to `OAUTH_LANDING_URL` + `#token=<pt_…>&redirect_to=<path>`: a
        new session for the account that signed in, signed up or linked. Errors are
        envelopes, checked in docs/api.md's order.
        """
        self.check_rate()
        code = request.query_params.get("code", "")
        state = request.query_params.get("state", "")
        if not code or not state:
            error = request.query_params.get("error", "")
            if _ERROR_CODE.fullmatch(error):
                raise OAuthMissingParams(f"Missing code or state (the provider said: {error})")
            raise OAuthMissingParams()
        finished = provider_sign_in.finish(
            provider,
            code=code,
            state=state,
            browser_key=request.COOKIES.get(BROWSER_COOKIE, ""),
            client=ClientInfo.from_request(request._request),
        )
        fragment = urlencode(
            {"token": finished.token_plaintext, "redirect_to": finished.redirect_to}
        )
        response = _no_store(HttpResponseRedirect(f"{app_settings.OAUTH_LANDING_URL}#{fragment}"))
        response.delete_cookie(
            BROWSER_COOKIE, path=reverse("ctfy_auth:oauth-callback", kwargs={"provider": provider})
        )
        return response


class IdentityLinkView(CtfyAPIView):
    """``POST /auth/identities/link/{provider}``: ``{"authorize_url"}`` for the calling session."""

    rate_buckets = {"post": "oauth_start"}

    @extend_schema(
        operation_id="link_identity",
        parameters=set_cookie_header(_BROWSER_BOUND, status=200),
        responses={
            200: LinkStartSerializer,
            **errors(OAuthProviderNotConfigured, ReauthenticationRequired),
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        """Start linking a provider to the calling account.

        No body. A single-use link grant bound to this session and to this browser, and the
        URL for the person to open **in the same browser** (call this from the browser, which
        keeps the HttpOnly cookie set here; the callback refuses any other browser). The sudo
        window must be open. Link-only providers are allowed.
        """
        self.check_rate()
        started = provider_sign_in.start_link(
            self.principal, provider, redirect_uri=callback_uri(request, provider)
        )
        response = _no_store(Response({"authorize_url": started.authorize_url}))
        return _bind_browser(response, request, provider, started.browser_key)
