"""Source contracts: one YAML file per export, describing how to read and type it.

An analyst brings a new export in by adding a YAML file under ``ingest/sources/`` (or a folder
named by ``MEDOPS_CONTRACTS_DIR``); no Python changes. The format is documented in docs/ingest.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import os
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from medops.arrival_clock import ARRIVAL_DAYS, ArrivalSpec

BUNDLED_CONTRACTS_DIR = Path(__file__).resolve().parent / "sources"
COLUMN_TYPES = {"text", "int", "decimal", "boolean", "date", "timestamp", "month"}
FILE_FORMATS = {"csv", "xlsx", "xls", "jsonl"}
PII_KINDS = {"name", "phone", "id_number", "email"}
# Named orders of a date's parts; anything else with a % in it is a strptime format.
DATE_ORDERS = {"ymd", "dmy", "mdy"}
# Naive timestamps in the warehouse are wall-clock time here; a contract's `timezone` says
# which zone a file's naive values are in, and they are converted to this one at load.
WAREHOUSE_TIMEZONE = "Asia/Shanghai"
EPOCH_FORMATS = {"epoch_s", "epoch_ms"}
FILE_KEYS = {
    "source",
    "system",
    "description",
    "file_pattern",
    "format",
    "primary_key",
    "columns",
    "encoding",
    "sheet",
    "header_row",
    "header_rows",
    "delimiter",
    "table",
    "ordered",
    "missing_values",
    "timezone",
    "summary_rows",
    "export_date",
    "limits",
    "date_format",
    "arrival",
}
COLUMN_KEYS = {
    "header",
    "from",
    "type",
    "required",
    "values",
    "pii",
    "min",
    "max",
    "format",
    "timezone",
    "decimal",
    "thousands",
    "true_words",
    "false_words",
    "optional",
    "default",
    "critical",
}
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "√", "✓", "on")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "×", "✗", "off")


class ContractError(ValueError):
    """A source contract YAML file is malformed."""


# a header's unit when it is the warehouse's own (amounts are CNY): 回款金额（元）is 回款金额;
# another unit (万元) is a different column, left unmatched
CNY_UNIT = re.compile(r"\((?:元|人民币|rmb|cny|¥)\)$")


def normalize_header(header: str) -> str:
    """Compare headers as people read them: full-width folded, spaces and case ignored, and a
    unit of CNY after them."""
    return CNY_UNIT.sub("", "".join(unicodedata.normalize("NFKC", header).split()).lower())


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    headers: tuple[str, ...]
    type: str = "text"
    required: bool = False
    # a column only some systems export (coordinates): a file without it is not schema drift
    optional: bool = False
    # text columns: the canonical value of a blank cell or of a file without the column
    default: str | None = None
    values: dict[str, str] | None = None
    pii: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    # dates and timestamps: a named order (ymd, dmy, mdy) or strptime formats; None = detect
    date_formats: tuple[str, ...] = ()
    timezone: str | None = None  # of naive timestamps; None = the file's
    decimal_mark: str = "."
    thousands_mark: str = ","
    true_words: tuple[str, ...] = TRUE_WORDS
    false_words: tuple[str, ...] = FALSE_WORDS
    # its Great Expectations (not null, codes, bounds, order) block publishing when they fail
    critical: bool = False
    # headers whose values, joined by a space, make the column's (``from:``): a timestamp
    # exported as a date column and a time column, an ID an export does not have
    joined: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportDateSpec:
    """Where a file's export date comes from, tried in this order: a column of the file, a
    pattern of the file name, the file's modification time."""

    column: str | None = None
    # the date, with a time of day after it or not (20261121, 2026-11-21, 20261121083000,
    # 20261121_0830)
    file_name: str = r"(?<!\d)(\d{4}[-_.]?\d{2}[-_.]?\d{2})(?:[-_T ]?\d{4}(?:\d{2})?)?(?!\d)"
    format: str | None = None  # strptime, epoch_s or epoch_ms; None: YYYYMMDD with any separator


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is rejected whole instead of read."""

    file_mb: float = 2048
    columns: int = 2000
    field_chars: int = 1_048_576
    seconds: float = 600


@dataclass(frozen=True)
class SourceContract:
    source: str
    system: str
    description: str
    file_pattern: str
    format: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    encoding: str = "auto"
    sheet: int | str = 0
    header_row: int = 1  # 1-based row of the (first) header row; rows above are titles
    header_rows: int = 1  # header rows to combine, for group cells merged above column cells
    delimiter: str = ","
    # Several exports may feed one raw table (a second CRM's opportunities, say).
    target_table: str | None = None
    # Groups of timestamp columns that must not go backwards (created <= accepted <= ...).
    ordered_columns: tuple[tuple[str, ...], ...] = ()
    missing_values: tuple[str, ...] = ()  # tokens meaning blank, beyond the usual ones
    timezone: str = WAREHOUSE_TIMEZONE  # of the file's naive timestamps
    summary_rows: tuple[str, ...] = ()  # first cell of a totals row: 合计, Total
    export_date: ExportDateSpec = ExportDateSpec()
    limits: Limits = Limits()
    arrival: ArrivalSpec | None = None
    path: Path | None = field(default=None, compare=False)
    fingerprint: str = field(default="", compare=False)  # hash of the YAML text

    @property
    def table(self) -> str:
        return self.target_table or self.source

    def matches(self, file_name: str) -> bool:
        return fnmatch.fnmatch(file_name.lower(), self.file_pattern.lower())

    @property
    def label(self) -> str:
        """The source and the file declaring it, as messages name a contract."""
        return f"{self.source} ({self.path.name})" if self.path else self.source

    def column_for_header(self) -> dict[str, str]:
        """Map every accepted (normalized) header to its canonical column name."""
        return {normalize_header(h): c.name for c in self.columns for h in c.headers}

    def joined_headers(self) -> set[str]:
        """The (normalized) headers that columns built ``from:`` several headers read."""
        return {normalize_header(h) for c in self.columns for h in c.joined}


def _check_keys(where: str, keys, allowed: set[str]) -> None:
    """A misspelt key would otherwise be ignored without a word (formt: dmy)."""
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ContractError(f"{where}: unknown key {key!r}{hint}")


def _parse_column(
    source: str, name: str, raw: dict, default_date_format: str | None = None
) -> ColumnSpec:
    _check_keys(f"{source}.{name}", raw, COLUMN_KEYS)
    joined = tuple(str(h) for h in raw.get("from", ()))
    if joined and ("header" in raw or len(joined) < 2):
        raise ContractError(
            f"{source}.{name}: from names two or more headers whose values make the column, "
            "instead of header"
        )
    headers = () if joined else raw.get("header", name)
    headers = tuple([headers] if isinstance(headers, str) else headers)
    col_type = raw.get("type", "text")
    if col_type not in COLUMN_TYPES:
        raise ContractError(
            f"{source}.{name}: type {col_type!r} is not one of {sorted(COLUMN_TYPES)}"
        )
    pii = raw.get("pii")
    if pii is not None and pii not in PII_KINDS:
        raise ContractError(f"{source}.{name}: pii {pii!r} is not one of {sorted(PII_KINDS)}")
    values = raw.get("values")
    if values is not None:
        values = {str(k): str(v) for k, v in values.items()}
    date_formats = _date_formats(f"{source}.{name}", raw.get("format", default_date_format))
    if date_formats and col_type not in ("date", "timestamp") and "format" in raw:
        raise ContractError(f"{source}.{name}: format applies to date and timestamp columns")
    decimal_mark = str(raw.get("decimal", "."))
    thousands_mark = str(raw.get("thousands", "," if decimal_mark == "." else "."))
    if decimal_mark == thousands_mark:
        raise ContractError(f"{source}.{name}: decimal and thousands marks are the same")
    timezone = raw.get("timezone")
    if timezone is not None:
        _check_timezone(f"{source}.{name}", timezone)
    required, optional = bool(raw.get("required", False)), bool(raw.get("optional", False))
    if required and optional:
        raise ContractError(f"{source}.{name}: a column cannot be both required and optional")
    default = _default(f"{source}.{name}", raw.get("default"), col_type, values)
    return ColumnSpec(
        name=name,
        headers=headers,
        type=col_type,
        required=required,
        optional=optional,
        default=default,
        values=values,
        pii=pii,
        min_value=raw.get("min"),
        max_value=raw.get("max"),
        date_formats=date_formats if col_type in ("date", "timestamp") else (),
        timezone=timezone,
        decimal_mark=decimal_mark,
        thousands_mark=thousands_mark,
        true_words=_words(raw.get("true_words"), TRUE_WORDS),
        false_words=_words(raw.get("false_words"), FALSE_WORDS),
        critical=bool(raw.get("critical", False)),
        joined=joined,
    )


def _default(where: str, declared, col_type: str, values: dict[str, str] | None) -> str | None:
    """A default is a canonical value, so with ``values`` it must be one they map onto."""
    if declared is None:
        return None
    if col_type != "text":
        raise ContractError(f"{where}: default applies to text columns")
    if values is not None and str(declared) not in set(values.values()):
        raise ContractError(
            f"{where}: default {declared!r} is not one of the codes its values map onto "
            f"{sorted(set(values.values()))}"
        )
    return str(declared)


def _words(declared, default: tuple[str, ...]) -> tuple[str, ...]:
    """Boolean words as compared: folded and lower-case. YAML reads an unquoted yes or no as
    a boolean itself, so docs/ingest.md asks for them quoted."""
    if declared is None:
        return default
    declared = [declared] if isinstance(declared, str | int | bool) else declared
    return tuple(unicodedata.normalize("NFKC", str(w)).strip().lower() for w in declared)


def _date_formats(where: str, declared) -> tuple[str, ...]:
    """A named order or strptime formats, checked now so a typo fails at contract load."""
    if declared is None:
        return ()
    formats = (declared,) if isinstance(declared, str) else tuple(declared)
    for fmt in formats:
        if fmt not in DATE_ORDERS and "%" not in fmt:
            raise ContractError(
                f"{where}: format {fmt!r} is neither one of {sorted(DATE_ORDERS)} "
                "nor a strptime format such as '%m/%d/%Y'"
            )
    return formats


def _check_timezone(where: str, name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ContractError(f"{where}: unknown time zone {name!r}") from exc


def _export_date(path: Path, raw, names: set[str]) -> ExportDateSpec:
    if raw is None:
        return ExportDateSpec()
    if not isinstance(raw, dict) or set(raw) - {"column", "file_name", "format"}:
        raise ContractError(f"{path}: export_date takes column, file_name and format")
    spec = ExportDateSpec(**raw)
    if spec.column is not None and spec.column not in names:
        raise ContractError(f"{path}: export_date column {spec.column!r} is not declared")
    try:
        pattern = re.compile(spec.file_name)
    except re.error as exc:
        raise ContractError(f"{path}: export_date file_name is not a valid pattern: {exc}") from exc
    if pattern.groups > 1:
        raise ContractError(f"{path}: export_date file_name must capture the date in one group")
    return spec


def _limits(path: Path, raw) -> Limits:
    if raw is None:
        return Limits()
    unknown = set(raw) - set(Limits.__dataclass_fields__)
    if unknown:
        raise ContractError(f"{path}: unknown limits {sorted(unknown)}")
    return Limits(**raw)


def _arrival(path: Path, raw) -> ArrivalSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "by" not in raw or set(raw) - {"by", "grace_minutes", "days"}:
        raise ContractError(f"{path}: arrival takes by (HH:MM), grace_minutes and days")
    try:
        # YAML 1.1 reads an unquoted 01:30 as a number of minutes (sexagesimal)
        by = (
            dt.time(raw["by"] // 60, raw["by"] % 60)
            if isinstance(raw["by"], int)
            else dt.time.fromisoformat(str(raw["by"]))
        )
    except ValueError as exc:
        raise ContractError(f"{path}: arrival by {raw['by']!r} is not a time (HH:MM)") from exc
    days = raw.get("days", "daily")
    if days not in ARRIVAL_DAYS:
        raise ContractError(f"{path}: arrival days {days!r} is not one of {sorted(ARRIVAL_DAYS)}")
    return ArrivalSpec(by=by, grace_minutes=int(raw.get("grace_minutes", 0)), days=days)


def load_contract(path: Path) -> SourceContract:
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ContractError(f"{path}: expected a mapping")
    missing = {"source", "system", "file_pattern", "format", "primary_key", "columns"} - set(raw)
    if missing:
        raise ContractError(f"{path}: missing keys {sorted(missing)}")
    _check_keys(str(path), raw, FILE_KEYS)
    source = raw["source"]
    if raw["format"] not in FILE_FORMATS:
        raise ContractError(
            f"{path}: format {raw['format']!r} is not one of {sorted(FILE_FORMATS)}"
        )
    timezone = raw.get("timezone", WAREHOUSE_TIMEZONE)
    _check_timezone(str(path), timezone)
    columns = tuple(
        _parse_column(source, n, spec or {}, raw.get("date_format"))
        for n, spec in raw["columns"].items()
    )
    names = {c.name for c in columns}
    ordered = tuple(tuple(group) for group in raw.get("ordered", []))
    for declared, what in (
        (set(raw["primary_key"]), "primary key"),
        *((set(group), "ordered") for group in ordered),
    ):
        unknown_keys = declared - names
        if unknown_keys:
            raise ContractError(f"{path}: {what} columns {sorted(unknown_keys)} are not declared")
    return SourceContract(
        source=source,
        system=raw["system"],
        description=str(raw.get("description", "")).strip(),
        file_pattern=raw["file_pattern"],
        format=raw["format"],
        primary_key=tuple(raw["primary_key"]),
        columns=columns,
        encoding=raw.get("encoding", "auto"),
        sheet=raw.get("sheet", 0),
        header_row=int(raw.get("header_row", 1)),
        header_rows=int(raw.get("header_rows", 1)),
        delimiter=raw.get("delimiter", ","),
        target_table=raw.get("table"),
        ordered_columns=ordered,
        missing_values=tuple(str(v) for v in raw.get("missing_values", [])),
        timezone=timezone,
        summary_rows=tuple(str(v) for v in raw.get("summary_rows", [])),
        export_date=_export_date(path, raw.get("export_date"), names),
        limits=_limits(path, raw.get("limits")),
        arrival=_arrival(path, raw.get("arrival")),
        path=path,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
    )


def contract_dirs(extra: list[Path] | None = None) -> list[Path]:
    """The bundled contracts, the folders named by MEDOPS_CONTRACTS_DIR (separated by the
    path separator, ``:``), and any given here (``medops ingest --contracts DIR``)."""
    dirs = [BUNDLED_CONTRACTS_DIR]
    named = os.environ.get("MEDOPS_CONTRACTS_DIR", "")
    dirs += [Path(part) for part in named.split(os.pathsep) if part]
    dirs += extra or []
    for folder in dirs:
        if not folder.is_dir():
            raise ContractError(f"contract folder {folder} does not exist")
    return list(dict.fromkeys(d.resolve() for d in dirs))


def load_contracts(dirs: list[Path] | None = None) -> list[SourceContract]:
    contracts: dict[str, SourceContract] = {}
    for folder in dirs or contract_dirs():
        for path in sorted(folder.glob("*.yml")):
            contract = load_contract(path)
            if contract.source in contracts:
                raise ContractError(
                    f"source {contract.source!r} is declared twice: "
                    f"{contracts[contract.source].path} and {path}"
                )
            contracts[contract.source] = contract
    return list(contracts.values())


def matching_contracts(file_name: str, contracts: list[SourceContract]) -> list[SourceContract]:
    """Every contract whose pattern matches; more than one means the file is rejected, naming
    them all, since loading it into either table would be a guess."""
    return [c for c in contracts if c.matches(file_name)]
