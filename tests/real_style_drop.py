"""A real-style drop written by a test and run through the nightly job: the CRM's org units as
a UTF-8-with-BOM CSV, its other exports as Excel (one sheet, the header in row 1), the ERP's and
the service system's as GB18030 CSV with CRLF line ends, every file named with its export day.
Used by the real-style suites (deal to cash, the analysts' pack and metrics)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl

# the CRM's Excel headers (org units: a CSV); the rows below them are each suite's own
CRM_HEADERS = {
    "crm_org_units": ("组织编码", "组织名称", "组织层级", "上级组织编码"),
    "crm_employees": ("工号", "姓名", "岗位", "所属组织编码", "直属上级工号", "入职日期"),
    "crm_accounts": (
        "客户编码", "客户名称", "客户类型", "医院等级", "省份", "城市", "负责人工号", "创建日期",
    ),
    "crm_opportunities": (
        "商机编号", "商机名称", "客户编码", "负责人工号", "产品线", "渠道", "预计金额", "创建日期",
        "预计成交日期", "当前阶段", "结束日期", "输单原因",
    ),
}  # fmt: skip


def write_xlsx(path: Path, rows: list[tuple]) -> None:
    """An Excel export as a CRM writes it: one sheet, the header in row 1."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def run_on_drop(
    root: Path,
    exported: str,
    org_units: list[tuple],
    crm_sheets: dict[str, list[tuple]],
    system_csvs: dict[str, str],
) -> Path:
    """Write the drop under ``root/drop`` (the CRM rows under their CRM_HEADERS) and run
    ``medops run`` on it in the home ``root/home``; return the home. Fails the test with the
    run's log when the run fails."""
    drop = root / "drop"
    drop.mkdir()
    (drop / f"crm_org_units_{exported}.csv").write_text(
        "\n".join(",".join(row) for row in [CRM_HEADERS["crm_org_units"], *org_units]) + "\n",
        encoding="utf-8-sig",
    )
    for source, rows in crm_sheets.items():
        write_xlsx(drop / f"{source}_{exported}.xlsx", [CRM_HEADERS[source], *rows])
    for source, text in system_csvs.items():
        (drop / f"{source}_{exported}.csv").write_bytes(
            text.replace("\n", "\r\n").encode("gb18030")
        )
    home = root / "home"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "medops"), "run", "--exports", str(drop)],
        env=os.environ | {"MEDOPS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    logs = sorted((home / "logs").glob("*.log"))
    assert result.returncode == 0, result.stdout + (logs[-1].read_text()[-6000:] if logs else "")
    return home
