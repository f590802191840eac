"""Source contracts: one YAML file per export, describing how to read and type it.

An analyst brings a new export in by adding a YAML file under ``ingest/sources/`` (or a folder
named by ``MEDOPS_CONTRACTS_DIR``); no Python changes. The format is documented in the README.
"""

from __future__ import annotations

import fnmatch
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BUNDLED_CONTRACTS_DIR = Path(__file__).resolve().parent / "sources"
COLUMN_TYPES = {"text", "int", "decimal", "date", "timestamp"}
FILE_FORMATS = {"csv", "xlsx", "xls", "jsonl"}
PII_KINDS = {"name", "phone", "id_number", "email"}


class ContractError(ValueError):
    """A source contract YAML file is malformed."""


def normalize_header(header: str) -> str:
    """Compare headers as people read them: full-width folded, spaces and case ignored."""
    return "".join(unicodedata.normalize("NFKC", header).split()).lower()


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    headers: tuple[str, ...]
    type: str = "text"
    required: bool = False
    values: dict[str, str] | None = None
    pii: str | None = None
    min_value: float | None = None
    max_value: float | None = None


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
    path: Path | None = field(default=None, compare=False)

    @property
    def table(self) -> str:
        return self.target_table or self.source

    def matches(self, file_name: str) -> bool:
        return fnmatch.fnmatch(file_name.lower(), self.file_pattern.lower())

    def column_for_header(self) -> dict[str, str]:
        """Map every accepted (normalized) header to its canonical column name."""
        return {normalize_header(h): c.name for c in self.columns for h in c.headers}


def _parse_column(source: str, name: str, raw: dict) -> ColumnSpec:
    headers = raw.get("header", name)
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
    return ColumnSpec(
        name=name,
        headers=headers,
        type=col_type,
        required=bool(raw.get("required", False)),
        values=values,
        pii=pii,
        min_value=raw.get("min"),
        max_value=raw.get("max"),
    )


def load_contract(path: Path) -> SourceContract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ContractError(f"{path}: expected a mapping")
    missing = {"source", "system", "file_pattern", "format", "primary_key", "columns"} - set(raw)
    if missing:
        raise ContractError(f"{path}: missing keys {sorted(missing)}")
    source = raw["source"]
    if raw["format"] not in FILE_FORMATS:
        raise ContractError(
            f"{path}: format {raw['format']!r} is not one of {sorted(FILE_FORMATS)}"
        )
    columns = tuple(_parse_column(source, n, spec or {}) for n, spec in raw["columns"].items())
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
        path=path,
    )


def contract_dirs() -> list[Path]:
    """The bundled contracts, plus an analyst's folder named by MEDOPS_CONTRACTS_DIR."""
    dirs = [BUNDLED_CONTRACTS_DIR]
    extra = os.environ.get("MEDOPS_CONTRACTS_DIR")
    if extra:
        dirs.append(Path(extra))
    return dirs


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


def find_contract(file_name: str, contracts: list[SourceContract]) -> SourceContract | None:
    matching = [c for c in contracts if c.matches(file_name)]
    if len(matching) > 1:
        names = ", ".join(c.source for c in matching)
        raise ContractError(f"{file_name} matches several source contracts: {names}")
    return matching[0] if matching else None
