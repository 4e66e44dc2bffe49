"""Helpers that several layers need, kept once at the bottom of the package.

Nothing here imports any other part of neyman, so ``data``, ``models``, ``train`` and
``study`` can all use it without an upward arrow. One module per concern: atomic writes and
path confinement, thread policy, sample-weight checks, safe YAML.
"""
