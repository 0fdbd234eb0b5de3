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
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.schema import CtfyAutoSchema, errors, rate_limited, redirect_headers
from ctfy_auth.api.serializers.identities import LinkStartSerializer
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import OAuthMissingParams
from ctfy_auth.redirects import safe_redirect
from ctfy_auth.services import provider_sign_in
from ctfy_auth.services._common import ClientInfo

__all__ = ["BROWSER_COOKIE", "IdentityLinkView", "OAuthCallbackView", "OAuthLoginView"]

#: Binds a sign-in or a link to the browser that started it (HttpOnly, SameSite=Lax, callback
#: path only).
BROWSER_COOKIE = "ctfy_auth_oauth"
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
_NON_EMPTY = {"type": "string", "minLength": 1}
_NOT_CONFIGURED = (
    "`oauth_provider_not_configured`: no such provider, or it has no client id; detail "
    "`{message, provider}`."
)
_LINK_ONLY = (
    "`oauth_provider_link_only`: the provider can only be linked; detail `{message, provider}`."
)


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


class OAuthLoginView(CtfyAPIView):
    """``GET /auth/login/{provider}?redirect_to=``: 302 to the provider's consent page."""

    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="oauth_login",
        summary="Start a sign-in at a provider (browser navigation)",
        description=(
            "Redirects to the provider's consent page with a signed, expiring `state` and PKCE "
            "(`S256`), and sets an HttpOnly cookie that binds the sign-in to this browser."
        ),
        parameters=[
            OpenApiParameter(
                "redirect_to",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="Where to land afterwards: a path on this site (anything else is `/`).",
            ),
            *redirect_headers(cookie=f"`{BROWSER_COOKIE}`: HttpOnly, SameSite=Lax."),
        ],
        responses={
            302: OpenApiResponse(description="To the provider's consent page."),
            **errors({403: _LINK_ONLY, 404: _NOT_CONFIGURED, 429: rate_limited("oauth_start")}),
        },
    )
    def get(self, request: Request, provider: str) -> HttpResponseRedirect:
        self.check_rate("oauth_start")
        redirect_to = safe_redirect(request.query_params.get("redirect_to", "/"))
        started = provider_sign_in.start_login(
            provider, redirect_to=redirect_to, redirect_uri=callback_uri(request, provider)
        )
        response = _no_store(HttpResponseRedirect(started.authorize_url))
        return _bind_browser(response, request, provider, started.browser_key)


class OAuthCallbackView(CtfyAPIView):
    """``GET /auth/callback/{provider}?code=&state=``: 302 to the landing URL with the session."""

    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="oauth_callback",
        summary="Where the provider sends the browser back",
        description=(
            "On success, redirects to `OAUTH_LANDING_URL` + `#token=<pt_…>&redirect_to=<path>`: "
            "a new session for the account that signed in, signed up or linked. Errors are "
            "envelopes, checked in docs/api.md's order."
        ),
        parameters=[
            # Required for a sign-in to finish; without them the answer is the 400 below.
            OpenApiParameter("code", _NON_EMPTY, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("state", _NON_EMPTY, OpenApiParameter.QUERY, required=True),
            OpenApiParameter(
                "error",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="The provider's refusal, named in the 400 when `code` is missing.",
            ),
            *redirect_headers(cookie=f"Clears `{BROWSER_COOKIE}`."),
        ],
        responses={
            302: OpenApiResponse(description="To the landing URL, the session in the fragment."),
            **errors(
                {
                    400: (
                        "`oauth_missing_params`: no `code` or no `state` (the provider's `error`, "
                        "if any, is named in the message).\n\n"
                        "`http_400`: a malformed, forged, expired or used state, a sign-in "
                        "or a link finishing in another browser, or a provider that refused the "
                        "code.\n\n"
                        "`oauth_state_mismatch`, `oauth_link_session_expired`, "
                        "`provider_email_unverified`, `oauth_link_target_missing`."
                    ),
                    403: _LINK_ONLY + '\n\n`http_403`: "This account is disabled."',
                    404: _NOT_CONFIGURED,
                    409: "`identity_already_linked`, `email_belongs_to_password_account`.",
                    429: rate_limited("oauth_callback"),
                }
            ),
        },
    )
    def get(self, request: Request, provider: str) -> HttpResponseRedirect:
        self.check_rate("oauth_callback")
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

    schema = CtfyAutoSchema()

    @extend_schema(
        operation_id="link_identity",
        summary="Start linking a provider to the calling account",
        description=(
            "No body. A single-use link grant bound to this session and to this browser, and the "
            "URL for the person to open **in the same browser** (call this from the browser, "
            "which keeps the HttpOnly cookie set here; the callback refuses any other browser). "
            "The sudo window must be open. Link-only providers are allowed."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                "Set-Cookie",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                response=[200],
                description=f"`{BROWSER_COOKIE}`: HttpOnly, SameSite=Lax, path: the callback.",
            )
        ],
        responses={
            200: LinkStartSerializer,
            **errors(
                {
                    404: _NOT_CONFIGURED,
                    409: (
                        "`reauthentication_required`: the sudo window is closed; detail "
                        "`{message, window_seconds}`."
                    ),
                    429: rate_limited("oauth_start"),
                }
            ),
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        self.check_rate("oauth_start")
        started = provider_sign_in.start_link(
            self.principal, provider, redirect_uri=callback_uri(request, provider)
        )
        response = _no_store(Response({"authorize_url": started.authorize_url}))
        return _bind_browser(response, request, provider, started.browser_key)
