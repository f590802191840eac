"""Cockpit labels per area: each module here defines ``TEXTS`` ({key: {"zh": ..., "en": ...}}),
merged into ``dashboards.i18n.TEXTS`` at import."""
