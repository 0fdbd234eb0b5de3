"""Adversarial suite: properties, enumeration, secrets, faults (races live in tests/test_races.py)."""
