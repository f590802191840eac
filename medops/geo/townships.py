"""Build `seeds/geo_townships.csv`: every township-level place (街道, 镇, 乡 and the like) with
the district it belongs to, from the national division list that jionlp ships
(`jionlp/dictionary/china_location.zip`, a tab-indented tree: province, city, district with
their adcodes, then townships and villages without codes).

The list has no coordinates: a township found in an address tells which district the address
lies in when the address does not say (文新街道 -> 西湖区), and is kept as the address's
street-level part; the location itself stays the district's centre.

Run `python -m medops.geo.townships PATH/TO/china_location.txt` (from `pip download jionlp`,
unzipped) after a division change; the seed is committed so that nothing is downloaded at run
time and jionlp is not a dependency.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "geo_townships.csv"


def read_townships(tree: Path) -> list[dict[str, str]]:
    """(district adcode, township) for every township under a district of the tree."""
    rows: list[dict[str, str]] = []
    district_code = None
    seen: set[tuple[str, str]] = set()
    for line in tree.read_text(encoding="utf-8").splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if not fields[0]:
            continue
        if depth == 2 and len(fields) >= 2:
            district_code = fields[1]
        elif depth < 2:
            district_code = None
        elif depth == 3 and district_code and (district_code, fields[0]) not in seen:
            seen.add((district_code, fields[0]))
            rows.append({"district_adcode": district_code, "township": fields[0]})
    return sorted(rows, key=lambda r: (r["district_adcode"], r["township"]))


def write_seed(tree: Path, path: Path = SEED_PATH) -> int:
    rows = read_townships(tree)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["district_adcode", "township"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    count = write_seed(Path(sys.argv[1]))
    sys.stdout.write(f"{count} townships written to {SEED_PATH}\n")
