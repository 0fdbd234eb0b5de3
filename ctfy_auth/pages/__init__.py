"""HTML pages ctfy_auth serves outside the API: the device approval page.

Mount them with ``path("", include("ctfy_auth.pages.urls"))``.
"""
