"""Speed and memory benchmarks of ctfy_auth against DRF, knox and django-oauth-toolkit.

Run everything with ``python -m benchmarks``; see ``benchmarks/README.md``.
"""
