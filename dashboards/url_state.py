"""Shareable views: every page's filters live in the URL query string.

Each filter widget is drawn through one of the helpers below, which give it the URL's value
when the page is opened (so a link reproduces the view) and write the widget's value back to
the URL after every change (so the address bar is always a link to what is on screen). A
value equal to the page's default is left out of the URL, so a link without it follows the
data (the latest twelve months, say).

Values from the URL are only ever picked from the options the user may see (the options come
from the scoped queries): anything else, another team's id or a malformed value included, is
dropped with a message naming the parameter, never a traceback, and the widget keeps its
default. A link can therefore never widen what a user sees; the queries bind the chosen
values as parameters and are scoped anyway.

The app calls ``start_page`` when a page is entered, so a page reads its URL once per visit
(and the user's changes are not overwritten by the URL on the reruns that follow).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from dashboards.i18n import t

_SEEDED = "medops_url_seeded"
RANGE_SEPARATOR = ".."
TEXT_MAX_CHARS = 100


def start_page() -> None:
    """Forget which widgets were given their URL value: the page just entered reads its own."""
    st.session_state[_SEEDED] = set()


def _first_visit(key: str, param: str) -> list[str] | None:
    """The URL's values of ``param`` the first time widget ``key`` is drawn on this visit of
    its page, else None."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded:
        return None
    seeded.add(key)
    if param not in st.query_params:
        return None
    return st.query_params.get_all(param)


def _warn(param: str, values: Sequence[str]) -> None:
    """Name the bad parameter and show its value as code: the message is Markdown, and a value
    from a link must not become a link or an image there."""
    shown = clean_text(", ".join(values)).replace("`", "'")[:80]
    st.warning(
        t("bad_url_parameter").format(name=param, value=f"`{shown}`"),
        icon=":material/link_off:",
    )


def seed(
    key: str,
    param: str,
    options: Sequence[Any],
    multi: bool = True,
    encode: Callable[[Any], str] = str,
) -> None:
    """Set widget ``key`` from URL parameter ``param``, keeping only values among ``options``
    (compared by ``encode``); a single-choice widget takes at most one value."""
    raw = _first_visit(key, param)
    if raw is None:
        return
    allowed = {encode(option): option for option in options if option is not None}
    chosen = [allowed[value] for value in raw if value in allowed]
    bad = [value for value in raw if value not in allowed]
    if not multi and len(chosen) > 1:
        bad += raw[1:]
        chosen = chosen[:1]
    if bad:
        _warn(param, bad)
    if multi:
        st.session_state[key] = chosen
    elif chosen:
        st.session_state[key] = chosen[0]


def publish(param: str, value: object, encode: Callable[[Any], str] = str) -> None:
    """Write a filter's current value to the URL (a list for a multi-select); None or an
    empty choice removes the parameter."""
    items = list(value) if isinstance(value, list | tuple) else [value]
    values = [encode(item) for item in items if item is not None]
    if not values:
        st.query_params.pop(param, None)
    elif st.query_params.get_all(param) != values:
        st.query_params[param] = values


def picker(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    param: str,
    multi: bool = False,
    default: Any = None,
    encode: Callable[[Any], str] = str,
    **kwargs: Any,
) -> Any:
    """Draw ``widget`` (``column.multiselect``, ``column.selectbox``, ``column.radio``,
    ``column.segmented_control`` ...) over ``options`` as ``?param=``, seeded from the URL;
    ``default`` is the value shown until the user or the URL picks another (left out of the
    URL)."""
    options = list(options)
    seed(key, param, options, multi=multi, encode=encode)
    if default is not None and key not in st.session_state:
        st.session_state[key] = default
    value = widget(label, options=options, key=key, **kwargs)
    publish(param, None if value == default else value, encode)
    return value


def pick_any(column, label_key: str, labels: dict[str, str], key: str, param: str) -> list[str]:
    """A multi-select on ``column`` over ``labels`` (value -> label) whose empty choice means
    all (its placeholder says so), shared in the URL as ``?param=...``."""
    return picker(
        column.multiselect,
        t(label_key),
        labels,
        key=key,
        param=param,
        multi=True,
        format_func=labels.__getitem__,
        placeholder=t("filter_all"),
    )


def seed_range(
    key: str,
    param: str,
    options: Sequence[Any],
    encode: Callable[[Any], str] = str,
) -> None:
    """Set range widget ``key`` from ``?param=<first>..<last>`` when both ends are among
    ``options`` and in order."""
    raw = _first_visit(key, param)
    if raw is None:
        return
    position = {encode(option): index for index, option in enumerate(options)}
    ends = raw[0].split(RANGE_SEPARATOR) if len(raw) == 1 else []
    if len(ends) != 2 or not all(end in position for end in ends):
        _warn(param, raw)
        return
    first, last = (position[end] for end in ends)
    if first > last:
        _warn(param, raw)
        return
    st.session_state[key] = (options[first], options[last])


def publish_range(
    param: str, value: tuple[Any, Any], default: tuple[Any, Any], encode: Callable[[Any], str]
) -> None:
    """Write a range to the URL as ``first..last``, or remove it when it is the default."""
    if tuple(value) == tuple(default):
        st.query_params.pop(param, None)
    else:
        publish(param, RANGE_SEPARATOR.join(encode(end) for end in value))


def clean_text(value: str) -> str:
    """Free text from a URL: control characters dropped, cut to ``TEXT_MAX_CHARS``."""
    kept = "".join(c for c in value if not unicodedata.category(c).startswith("C"))
    return kept.strip()[:TEXT_MAX_CHARS]


def text_input(column: Any, label: str, *, key: str, param: str, **kwargs: Any) -> str:
    """A text box shared as ``?param=`` (searched with bound parameters, shown as text)."""
    raw = _first_visit(key, param)
    if raw:
        st.session_state[key] = clean_text(raw[0])
    value = column.text_input(label, key=key, max_chars=TEXT_MAX_CHARS, **kwargs)
    publish(param, value.strip() or None)
    return value


def toggle(column: Any, label: str, *, key: str, param: str, **kwargs: Any) -> bool:
    """A switch shared as ``?param=1`` when on."""
    raw = _first_visit(key, param)
    if raw is not None:
        if raw not in (["1"], ["0"]):
            _warn(param, raw)
        st.session_state[key] = raw == ["1"]
    value = column.toggle(label, key=key, **kwargs)
    publish(param, "1" if value else None)
    return value
