"""The device approval page (RFC 8628 §3.3): a person signs in, checks what asks, decides.

Plain Django views and templates, no JavaScript. Sign-in uses Django's session
(``django.contrib.auth.login``) after :func:`ctfy_auth.services.accounts.check_credentials`,
so the page spends the same Argon2 time on unknown emails and shares the API's
``login`` rate bucket. Every step is CSRF-protected; a GET never changes state:
the code from ``?user_code=`` is only prefilled, and the person confirms it.
Pages are never framed (``X-Frame-Options: DENY``) nor cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ctfy_auth.exceptions import CtfyError, DeviceCodeInvalid, RateLimited
from ctfy_auth.models import DeviceRequest
from ctfy_auth.pages.forms import DecisionForm, SignInForm, UserCodeForm
from ctfy_auth.services import accounts, devices
from ctfy_auth.throttling import check_rate

__all__ = ["decide", "device", "sign_in", "sign_out"]

_TEMPLATES = "ctfy_auth/device/"


def _page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every page: CSRF-checked, never framed, never cached."""
    return xframe_options_deny(never_cache(csrf_protect(view)))


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
    """``candidate`` when it stays on this site and on the device page; else the page itself."""
    same_site = bool(candidate) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if same_site and candidate and candidate.startswith(reverse("ctfy_auth_pages:device")):
        return candidate
    return _device_url()


def _session_backend() -> str:
    backends = list(settings.AUTHENTICATION_BACKENDS)
    model_backend = "django.contrib.auth.backends.ModelBackend"
    return model_backend if model_backend in backends or not backends else backends[0]


def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = render(
        request, _TEMPLATES + "rate_limited.html", {"retry_after": exc.retry_after}, status=429
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
        row = devices.info(request.user, user_code)
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
        row = devices.decide(request.user, user_code, approve=approve)
    except RateLimited as exc:
        return _rate_limited(request, exc)
    except DeviceCodeInvalid as exc:
        return _code_error(request, user_code, exc.detail)
    return render(request, _TEMPLATES + "done.html", {"row": row, "approved": approve})


@_page
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email and password, then back to the device page (``next``, same site only)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
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
    return render(request, _TEMPLATES + "sign_in.html", context, status=status)


@_page
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(_device_url())
