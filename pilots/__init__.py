"""The lab's pilots: one subpackage a pilot, each in its own folder with its notebook, card and tests.

``pilots.mobility``, ``pilots.health``, ``pilots.fintech`` and ``pilots.public_sector`` hold each
pilot's own code; what two or more pilots share lives in ``livinglab``.
"""
