"""The device approval page (RFC 8628 §3.3): a person signs in, checks what asks, decides.

Plain Django views and templates, no JavaScript. Sign-in uses Django's session
(``django.contrib.auth.login``) after :func:`ctfy_auth.services.accounts.check_credentials`,
so the page spends the same Argon2 time on unknown emails and shares the API's
``login`` rate counter and the per-account password budget. Every step is
CSRF-protected; a GET never changes state: the code from ``?user_code=`` is only
prefilled, and the person confirms it.
Pages are never framed (``X-Frame-Options: DENY``) nor cached, and carry a
``Content-Security-Policy`` that allows no script, no connection and no foreign
resource: only the inline stylesheet ``ctfy_auth/_style.css`` (by its hash), forms
posting to this site, and no framing.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ctfy_auth.errors import answer_database_outages
from ctfy_auth.exceptions import CtfyError, DeviceCodeInvalid, RateLimited, RateLimitUnavailable
from ctfy_auth.models import DeviceRequest
from ctfy_auth.pages.forms import DecisionForm, SignInForm, UserCodeForm
from ctfy_auth.redirects import safe_redirect
from ctfy_auth.services import accounts, devices
from ctfy_auth.services.oauth_clients import authorization_redirect_origin
from ctfy_auth.throttling import check_rate, client_ip

__all__ = ["content_security_policy", "decide", "device", "sign_in", "sign_out", "signin"]

_TEMPLATES = "ctfy_auth/device/"


#: The pages' only inline content; ``base.html`` includes it inside ``<style>``.
_STYLE_TEMPLATE = "ctfy_auth/_style.css"


def content_security_policy(form_action: tuple[str, ...] = ()) -> str:
    """No script, no fetch, no foreign resource; the one stylesheet by its SHA-256.

    ``form_action``: origins a form on the page may end up at besides this site (browsers
    apply ``form-action`` to the redirects that follow a submission, e.g. the OAuth consent
    page's redirect to the client).
    """
    style = render_to_string(_STYLE_TEMPLATE).encode()
    style_hash = base64.b64encode(hashlib.sha256(style).digest()).decode()
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src 'sha256-{style_hash}'",
            "img-src data:",  # the empty favicon, so browsers do not ask for /favicon.ico
            " ".join(["form-action 'self'", *form_action]),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def _csp(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if "Content-Security-Policy" not in response:  # a view may widen form-action
            response["Content-Security-Policy"] = content_security_policy()
        return response

    return wrapped


def _page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every page: CSRF-checked, never framed, never cached, under a strict CSP."""
    # An unreachable database (the session, the sign-in) answers the API's 503 envelope.
    return _csp(xframe_options_deny(never_cache(answer_database_outages(csrf_protect(view)))))


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None:
        raise ImproperlyConfigured(
            "The device page needs django.contrib.sessions' SessionMiddleware and "
            "django.contrib.auth's AuthenticationMiddleware."
        )
    return bool(user.is_authenticated and user.is_active)


def _device_url(user_code: str = "") -> str:
    url = reverse("ctfy_auth_pages:device")
    return f"{url}?{urlencode({'user_code': user_code})}" if user_code else url


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """The device page (with ``candidate``'s ``user_code``) when ``candidate`` names it.

    Anything else gives the page itself. The path is judged normalised (percent-decoded,
    ``\\`` read as ``/``, dot segments resolved) and compared with the device page's path
    exactly, so ``/devicex`` and ``/device/../admin/`` do not pass; the redirect is rebuilt
    from the page's path and the code, never echoed.
    """
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return _device_url()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return _device_url()
    path = unquote(parts.path).replace("\\", "/")
    if parts.scheme or parts.netloc or not path.startswith("/"):
        return _device_url()
    if any(unicodedata.category(char) == "Cc" for char in path):
        return _device_url()
    if posixpath.normpath(path) != reverse("ctfy_auth_pages:device"):
        return _device_url()
    user_code = parse_qs(parts.query).get("user_code", [""])[0][:64]
    return _device_url(user_code)


def _session_backend() -> str:
    backends = list(settings.AUTHENTICATION_BACKENDS)
    model_backend = "django.contrib.auth.backends.ModelBackend"
    return model_backend if model_backend in backends or not backends else backends[0]


def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 past a limit; 503 when a limit that guards a secret cannot be counted."""
    response = render(
        request,
        _TEMPLATES + "rate_limited.html",
        {"retry_after": exc.retry_after, "unavailable": isinstance(exc, RateLimitUnavailable)},
        status=exc.status_code,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _enter_code(request: HttpRequest, form: UserCodeForm, *, status: int = 200) -> HttpResponse:
    return render(request, _TEMPLATES + "enter_code.html", {"form": form}, status=status)


def _code_error(request: HttpRequest, user_code: str, message: Any) -> HttpResponse:
    form = UserCodeForm({"user_code": user_code})
    form.is_valid()
    form.add_error(None, message)
    return _enter_code(request, form, status=404)


@_page
@require_http_methods(["GET", "POST"])
def device(request: HttpRequest) -> HttpResponse:
    """GET: the code form (prefilled from ``?user_code=``). POST: show what asks, to decide."""
    if not _signed_in(request):
        next_url = request.get_full_path() if request.method == "GET" else _device_url()
        sign_in_url = reverse("ctfy_auth_pages:device-sign-in")
        return HttpResponseRedirect(f"{sign_in_url}?{urlencode({'next': next_url})}")
    if request.method == "GET":
        initial = {"user_code": request.GET.get("user_code", "")[:64]}
        return _enter_code(request, UserCodeForm(initial=initial))
    form = UserCodeForm(request.POST)
    if not form.is_valid():
        return _enter_code(request, form, status=400)
    user_code = form.cleaned_data["user_code"]
    try:
        row = devices.info(request.user, user_code, client_ip=client_ip(request))
    except RateLimited as exc:
        return _rate_limited(request, exc)
    except DeviceCodeInvalid as exc:
        return _code_error(request, user_code, exc.detail)
    return _review(request, row)


def _review(request: HttpRequest, row: DeviceRequest) -> HttpResponse:
    status = row.public_status()
    context = {
        "row": row,
        "status": "approved" if status == "consumed" else status,
        "form": DecisionForm(initial={"user_code": row.display_user_code}),
    }
    return render(request, _TEMPLATES + "review.html", context)


@_page
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Approve or deny the confirmed code (compare-and-set in the service)."""
    if not _signed_in(request):
        return HttpResponseRedirect(_device_url())
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _enter_code(request, UserCodeForm(request.POST), status=400)
    user_code = form.cleaned_data["user_code"]
    approve = form.cleaned_data["decision"] == "approve"
    try:
        ip = client_ip(request)
        row = devices.decide(request.user, user_code, approve=approve, client_ip=ip)
    except RateLimited as exc:
        return _rate_limited(request, exc)
    except DeviceCodeInvalid as exc:
        return _code_error(request, user_code, exc.detail)
    return render(request, _TEMPLATES + "done.html", {"row": row, "approved": approve})


def _sign_in(request: HttpRequest, next_url: str, template: str) -> HttpResponse:
    """Email and password, then ``next_url``: the sign-in of every page.

    Through :func:`~ctfy_auth.services.accounts.check_credentials`, behind the ``login``
    rate, so the pages share the API's throttle and the per-account password budget.
    """
    if _signed_in(request):
        return HttpResponseRedirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check_rate(request, "login")
                user = accounts.check_credentials(
                    email=form.cleaned_data["email"], password=form.cleaned_data["password"]
                )
            except RateLimited as exc:
                return _rate_limited(request, exc)
            except CtfyError as exc:  # wrong credentials, or password sign-in switched off
                form.add_error(None, str(exc.detail))
                status = exc.status_code
            else:
                login(request, user, backend=_session_backend())
                return HttpResponseRedirect(next_url)
    context = {"form": form, "next": next_url}
    return render(request, template, context, status=status)


@_page
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email and password, then back to the device page (``next``, same site only)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    return _sign_in(request, next_url, _TEMPLATES + "sign_in.html")


@_page
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """``/signin``: email and password, then ``next`` (any same-site path, else ``/``).

    The login page of the OAuth authorization endpoint (``next`` is the ``/authorize`` URL).
    """
    next_url = safe_redirect(request.POST.get("next") or request.GET.get("next"), default="/")
    response = _sign_in(request, next_url, "ctfy_auth/signin.html")
    # Signing in ends at the client when its consent is remembered (or skipped): the form's
    # redirect chain must be allowed to reach that client's registered redirect URI.
    origin = authorization_redirect_origin(next_url)
    if origin:
        response["Content-Security-Policy"] = content_security_policy((origin,))
    return response


@_page
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(_device_url())
