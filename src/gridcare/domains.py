"""The domains added after the service core. Each has ``models``, ``api``, ``views``, ``jobs``
and ``cli`` modules, and may have ``demo`` (a ``load(session, ctx)`` the demo loader calls)."""

FIELD_AND_MANAGEMENT = ("knowledge", "field", "contractors", "campaigns", "cards", "arrears", "analytics", "alerts", "planning")
