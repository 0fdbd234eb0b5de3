"""ctfy_auth's OAuth 2.1 / OpenID Connect authorization server, on django-oauth-toolkit (DOT).

DOT issues and stores the tokens with its stock models; this package configures and extends it:

* :mod:`~ctfy_auth.oauth.provider`: the ``OAUTH2_PROVIDER`` values ctfy_auth needs (the host
  merges them; system check ``ctfy_auth.E015`` refuses a configuration without them);
* :mod:`~ctfy_auth.oauth.scopes`: the OAuth scopes (the catalog's ``category:level`` plus
  ``openid profile email offline_access``), DOT's scopes backend, scopes → permissions;
* :mod:`~ctfy_auth.oauth.tokens`: ``po_``/``pr_`` token generators and the client secret;
* :mod:`~ctfy_auth.oauth.hashers`: the fast hasher of client secrets;
* :mod:`~ctfy_auth.oauth.keys`: the RS256 signing keys (loading, strength, ``kid``);
* :mod:`~ctfy_auth.oauth.validators`: DOT's ``OAuth2Validator`` with the client policy;
* :mod:`~ctfy_auth.oauth.views` and :mod:`~ctfy_auth.oauth.urls`: the issuer's endpoints.

See ``docs/oauth.md``.
"""
