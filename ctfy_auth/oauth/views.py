"""The issuer's endpoints: authorization, token, discovery, JWKS, introspection, revocation.

Every route answers **404** while ``CTFY_AUTH["OAUTH_ISSUER"]`` is empty (the server is off).

* :class:`AuthorizeView` is DOT's ``AuthorizationView``: its login page is ``/signin``
  (``ctfy_auth.pages``), its consent page ``ctfy_auth/oauth/consent.html`` (DOT's ``allow``
  field, the catalog's labels), sent with the pages' headers (CSP, no framing, no cache).
  A request whose PKCE method is not ``S256`` is refused before the consent page (stock DOT
  shows the page and refuses ``plain`` only after approval).
* :class:`UserInfoView` is DOT's (the claims by the token's scopes, ``ctfy_auth.oauth.claims``).
* :class:`LogoutView` is DOT's ``RPInitiatedLogoutView`` (``id_token_hint``,
  ``post_logout_redirect_uri`` registered per client, ``state``) with the pages' template and
  headers; discovery advertises it while DOT's ``OIDC_RP_INITIATED_LOGOUT_ENABLED`` is on.
* :class:`TokenView` is DOT's ``TokenView``; only the RFC 8628 device grant, which this
  release does not serve, is refused before DOT would look for a device grant row.
* :class:`JwksView` is DOT's ``JwksInfoView`` (``kid`` = the key's JWK thumbprint).
* :class:`DiscoveryView` is ours: DOT's ``ConnectDiscoveryInfoView`` reverses and
  advertises the authorization, userinfo and logout endpoints, which this release does not
  serve, and derives URLs from the request; ours lists only what exists, under the issuer.
* :class:`IntrospectView` and :class:`RevokeView` are ours: DOT's introspection needs a
  bearer token with an ``introspection`` scope and knows only DOT's tokens, and DOT's
  revocation needs client authentication and knows only DOT's tokens. Ours authenticate the
  client with DOT's validator (``client_secret_basic`` or ``client_secret_post``) and answer
  for every kind through one service each.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OauthlibRequest  # type: ignore[import-untyped]
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors  # type: ignore[import-untyped]

from ctfy_auth.conf import app_settings
from ctfy_auth.oauth.claims import claims_supported
from ctfy_auth.oauth.scopes import all_scopes, policy_of
from ctfy_auth.oauth.validators import SERVED_GRANTS
from ctfy_auth.pages.views import content_security_policy
from ctfy_auth.services.introspection import introspect
from ctfy_auth.services.revocation import revoke_presented

__all__ = [
    "AuthorizeView",
    "DiscoveryView",
    "IntrospectView",
    "JwksView",
    "LogoutView",
    "RevokeView",
    "TokenView",
    "UserInfoView",
]

_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Grants discovery advertises: those a client can complete today.
_ADVERTISED_GRANTS = ("authorization_code", "client_credentials", "refresh_token")
_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _issuer_or_404() -> str:
    issuer = app_settings.OAUTH_ISSUER
    if not issuer:
        raise Http404("The OAuth server is off (CTFY_AUTH['OAUTH_ISSUER'] is empty).")
    return issuer


def _oauth_error(status: int, error: str, description: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _invalid_client() -> JsonResponse:
    return _oauth_error(
        401,
        "invalid_client",
        "Client authentication failed.",
        WWW_Authenticate='Basic realm="oauth"',
    )


def _client_of(request: HttpRequest) -> tuple[bool, Any]:
    """``(credentials presented, the authenticated client or None)``, by DOT's validator.

    Client credentials count when the request has an ``Authorization: Basic`` header or a
    ``client_id`` in its body (``client_secret_basic`` / ``client_secret_post``).
    """
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    presented = authorization.lower().startswith("basic ") or "client_id" in request.POST
    if not presented:
        return False, None
    core = get_oauthlib_core()
    oauth_request = OauthlibRequest(
        request.build_absolute_uri(),
        http_method="POST",
        body=urlencode(core.extract_body(request)),
        headers=core.extract_headers(request),
    )
    validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
    if not validator.authenticate_client(oauth_request):
        return True, None
    return True, oauth_request.client


def _origin(uri: str) -> str | None:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@method_decorator(xframe_options_deny, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class AuthorizeView(dot_views.AuthorizationView):
    """``GET|POST {issuer}/authorize``: the authorization code grant, PKCE ``S256`` only.

    Signed out, the person is sent to ``/signin?next=<this request>``. Then, unless the
    client skips consent or the person already approved this client for these scopes (DOT's
    ``REQUEST_APPROVAL_PROMPT = "auto"``: a live token for a superset of the scopes), the
    consent page; approving posts DOT's ``allow`` field back here.
    """

    template_name = "ctfy_auth/oauth/consent.html"
    login_url = reverse_lazy("ctfy_auth_pages:signin")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _issuer_or_404()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        # A consent submission ends at the client's redirect URI; browsers hold that
        # redirect to the page's ``form-action``, so its origin is allowed there.
        redirect_uri = request.POST.get("redirect_uri") or request.GET.get("redirect_uri", "")
        origin = _origin(redirect_uri)
        response["Content-Security-Policy"] = content_security_policy((origin,) if origin else ())
        return response

    def validate_authorization_request(self, request: HttpRequest) -> tuple[Any, Any]:
        scopes, credentials = super().validate_authorization_request(request)
        # oauthlib accepts ``plain`` (its default without a method); DOT refuses it only
        # when the code is created, after the person approved. Refuse it up front, once the
        # client and its redirect URI are known good (so the error may go back to it).
        if credentials.get("code_challenge_method") != "S256":
            error = oauthlib_errors.InvalidRequestError(
                description='PKCE with code_challenge_method "S256" is required.',
                state=credentials.get("state"),
            )
            error.redirect_uri = credentials["redirect_uri"]
            raise OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"])
        return scopes, credentials

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        # The catalog's labels (DOT's ``scopes_descriptions``), in the requested order.
        labels = all_scopes()
        context["scopes_descriptions"] = [labels.get(s, s) for s in context.get("scopes", ())]
        return context


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(dot_views.TokenView):
    """``POST {issuer}/token``: client credentials, refresh token (and code exchange)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _issuer_or_404()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("grant_type") == _DEVICE_GRANT:
            # Not served yet; stock DOT would answer 404 ``device_not_found`` instead.
            return _oauth_error(
                400, "unsupported_grant_type", "The device grant is not served yet."
            )
        response: HttpResponse = super().post(request, *args, **kwargs)
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class UserInfoView(dot_views.UserInfoView):
    """``GET|POST {issuer}/userinfo``: a token with ``openid`` gets its person's claims."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _issuer_or_404()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


@method_decorator(xframe_options_deny, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class LogoutView(dot_views.RPInitiatedLogoutView):
    """``GET|POST {issuer}/logout``: OpenID Connect RP-initiated logout.

    Ends the browser session and redirects to the client's registered
    ``post_logout_redirect_uri`` (with ``state``), or to ``/``. Without an ``id_token_hint``
    of the signed-in person, the person confirms first (DOT's ``allow`` field).
    """

    template_name = "ctfy_auth/oauth/logout.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _issuer_or_404()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        target = request.POST.get("post_logout_redirect_uri") or request.GET.get(
            "post_logout_redirect_uri", ""
        )
        origin = _origin(target)
        response["Content-Security-Policy"] = content_security_policy((origin,) if origin else ())
        return response


class JwksView(dot_views.JwksInfoView):
    """``GET {issuer}/jwks``: the active signing key and any inactive ones still published."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _issuer_or_404()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


class DiscoveryView(View):
    """``GET {issuer}/.well-known/openid-configuration``: what this server serves today."""

    def get(self, request: HttpRequest) -> JsonResponse:
        issuer = _issuer_or_404()
        data = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            **(
                {"end_session_endpoint": f"{issuer}/logout"}
                if oauth2_settings.OIDC_RP_INITIATED_LOGOUT_ENABLED
                else {}
            ),
            "introspection_endpoint": f"{issuer}/introspect",
            "revocation_endpoint": f"{issuer}/revoke",
            "scopes_supported": list(all_scopes()),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": bool(
                oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS
            ),
            "grant_types_supported": [g for g in _ADVERTISED_GRANTS if g in SERVED_GRANTS],
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": _AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": [*_AUTH_METHODS, "none"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": claims_supported(),
        }
        response = JsonResponse(data)
        response["Access-Control-Allow-Origin"] = "*"
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("token", "client_secret"), name="dispatch")
class IntrospectView(View):
    """``POST {issuer}/introspect`` (RFC 7662), for a client whose policy may introspect.

    401 ``invalid_client`` without valid client credentials; 403 ``unauthorized_client`` for
    a client not allowed to introspect; 400 ``invalid_request`` without ``token``; else 200
    with ``{"active": false}`` or the token's claims (``ctfy_auth.services.introspection``).
    """

    def post(self, request: HttpRequest) -> JsonResponse:
        _issuer_or_404()
        _presented, client = _client_of(request)
        if client is None:
            return _invalid_client()
        policy = policy_of(client)
        if policy is None or not policy.may_introspect:
            return _oauth_error(
                403, "unauthorized_client", "This client may not introspect tokens."
            )
        token = request.POST.get("token")
        if not token:
            return _oauth_error(400, "invalid_request", "The token parameter is missing.")
        response = JsonResponse(introspect(token))
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("token", "client_secret"), name="dispatch")
class RevokeView(View):
    """``POST {issuer}/revoke`` (RFC 7009), for every kind of token.

    Client credentials are optional (possession of the token is the authority), but when
    presented they must be valid (401 ``invalid_client``). 400 ``invalid_request`` without
    ``token``; otherwise 200 with an empty body, also for an unknown token (RFC 7009 §2.2).
    """

    def post(self, request: HttpRequest) -> HttpResponse:
        _issuer_or_404()
        presented, client = _client_of(request)
        if presented and client is None:
            return _invalid_client()
        token = request.POST.get("token")
        if not token:
            return _oauth_error(400, "invalid_request", "The token parameter is missing.")
        revoke_presented(token)
        return HttpResponse(status=200)
