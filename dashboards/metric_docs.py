"""Links from the cockpit's KPI cards to their metric's page on the docs site (``medops docs``).

Which card shows which metric is said once, in the metric's definition
(dbt/models/semantic/_semantic__metrics.yml, ``config.meta.cards`` = ``<page url>/<card key>``); the
card's "?" help gets a link to the metric's docs page, where its 口径, its inputs and their
lineage are.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from dashboards.i18n import TEXTS, current_language

METRICS_FILE = (
    Path(__file__).resolve().parent.parent
    / "dbt"
    / "models"
    / "semantic"
    / "_semantic__metrics.yml"
)
DEFAULT_DOCS_URL = "http://127.0.0.1:8580"
_LINK_TEXT = {"zh": "指标口径与血缘（文档站）", "en": "Definition and lineage (docs site)"}


def docs_url() -> str:
    """Where ``medops docs`` serves the site (``MEDOPS_DOCS_URL``, default its local port)."""
    return os.environ.get("MEDOPS_DOCS_URL", DEFAULT_DOCS_URL).rstrip("/")


@lru_cache(maxsize=1)
def card_metrics() -> dict[str, str]:
    """``<page url>/<card key>`` -> the name of the metric the card shows."""
    definitions = yaml.safe_load(METRICS_FILE.read_text(encoding="utf-8"))["metrics"]
    return {
        card: metric["name"]
        for metric in definitions
        for card in ((metric.get("config") or {}).get("meta") or {}).get("cards", [])
    }


def metric_page(metric: str) -> str:
    """The docs site's page of ``metric``."""
    return f"{docs_url()}/#!/metric/metric.medops.{metric}"


def kpi_help(page: str, card: str, text: str | None = None) -> str | None:
    """``text`` (by default the card's own help, label ``<card>_help``), followed by a link to
    the docs page of the metric the card ``card`` of the page at url ``page`` shows; ``text``
    alone for a card no metric names."""
    lang = current_language()
    if text is None and f"{card}_help" in TEXTS:
        text = TEXTS[f"{card}_help"][lang]
    metric = card_metrics().get(f"{page}/{card}")
    if metric is None:
        return text
    link = f"[{_LINK_TEXT[lang]}]({metric_page(metric)})"
    return f"{text}\n\n{link}" if text else link
