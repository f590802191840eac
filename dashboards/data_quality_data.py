"""Queries of the data-quality page (``pages/data_quality.py``): ingested files, quarantine
reasons, validation results and source freshness.

Same rules as ``dashboards.data``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows, missing_marts
from medops.arrival_clock import PUBLISHED_SCHEDULE_TABLE, arrival_status, published_schedule

INGEST_FILES_MART = "rpt_ingest_files"
QUARANTINE_REASONS_MART = "rpt_quarantine_reasons"
VALIDATION_MART = "rpt_validation_latest"
FRESHNESS_MART = "rpt_source_freshness"
DATA_QUALITY_MARTS = (INGEST_FILES_MART, QUARANTINE_REASONS_MART, VALIDATION_MART, FRESHNESS_MART)
# Files no contract matched have no source; filters and tables show them under this key.
NO_SOURCE = ""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def ingest_kpis(source: Published) -> dict[str, Any]:
    """Headline figures over the files in force, from ``rpt_ingest_files``.

    Keys: files, files_rejected (files whose newest version was rejected whole, whether or
    not an earlier loaded version stays in force), rows_read, rows_loaded, rows_quarantined and
    quarantine_share (rows quarantined / rows read from the files that loaded; None when no
    row was read from a loaded file). Rows of files rejected whole count in rows_read only.
    """
    row = fetch_rows(
        source,
        """
        select
            count(*) as files,
            count(*) filter (
                where status = 'rejected' or newer_version_load_id is not null
            ) as files_rejected,
            coalesce(sum(rows_read), 0) as rows_read,
            coalesce(sum(rows_loaded), 0) as rows_loaded,
            coalesce(sum(rows_quarantined), 0) as rows_quarantined,
            coalesce(sum(rows_read) filter (where status = 'loaded'), 0) as rows_read_loaded,
        from rpt_ingest_files
        """,
    )[0]
    files, files_rejected, rows_read, rows_loaded, rows_quarantined, rows_read_loaded = map(
        int, row
    )
    return {
        "files": files,
        "files_rejected": files_rejected,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "quarantine_share": rows_quarantined / rows_read_loaded if rows_read_loaded else None,
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def source_freshness(source: Published) -> pd.DataFrame:
    """One row per source that delivered a file, from ``rpt_source_freshness``, by system and
    source: files, rows read / loaded / quarantined, last file, age and freshness status."""
    return fetch_df(
        source,
        """
        select
            system,
            source,
            files_in_force,
            files_rejected,
            rows_read,
            rows_loaded,
            rows_quarantined,
            last_file_name,
            last_file_status,
            last_loaded_at,
            age_hours,
            freshness_status,
            warn_after_hours,
            error_after_hours,
            measured_at,
        from rpt_source_freshness
        order by system nulls last, source
        """,
    )


@st.cache_data(ttl=60, show_spinner=False)
def source_arrivals(source: Published) -> pd.DataFrame:
    """Per source with an arrival time in the schedule published with the marts: the latest
    expected day's time, the time after which it is late, its last load and whether it is late
    now (medops/arrival_clock.py; arrival = a file of it loaded into this published copy).
    Empty for a copy published before the schedule was."""
    columns = ["system", "source", "expected_by", "late_after", "last_arrival", "late"]
    if missing_marts(source, (PUBLISHED_SCHEDULE_TABLE,)):
        return pd.DataFrame(columns=columns)
    schedule = published_schedule(
        fetch_rows(
            source,
            f"select source, system, arrival_by, grace_minutes, arrival_days "
            f"from {PUBLISHED_SCHEDULE_TABLE} order by source",
        )
    )
    loaded = dict(fetch_rows(source, "select source, last_loaded_at from rpt_source_freshness"))
    statuses = arrival_status(schedule, loaded, dt.datetime.now(dt.UTC))
    return pd.DataFrame(
        [
            (
                s.system,
                s.source,
                s.expected_by.replace(tzinfo=None),
                s.late_after.replace(tzinfo=None),
                s.last_arrival.replace(tzinfo=None) if s.last_arrival else None,
                s.late,
            )
            for s in sorted(statuses, key=lambda s: (not s.late, s.system, s.source))
        ],
        columns=columns,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def quarantine_sources(source: Published) -> list[str]:
    """The sources with quarantined rows or rejected files (``NO_SOURCE`` for files no
    contract matched), most quarantined first."""
    rows = fetch_rows(
        source,
        """
        select coalesce(source, '') as source_key,
        from rpt_quarantine_reasons
        group by source_key
        order by sum(rows_quarantined) desc, source_key
        """,
    )
    return [key for (key,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def quarantine_reasons(source: Published, sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per source and reason kind over the files in force, most rows first: rows
    quarantined, files, and an example from the newest of those files (file, data row, full
    reason). An empty ``sources`` means all of them."""
    return fetch_df(
        source,
        """
        with reasons as (
            select
                coalesce(source, '') as source_key,
                *,
            from rpt_quarantine_reasons
            where $sources::varchar[] is null or list_contains($sources, coalesce(source, ''))
        )

        select
            source_key as source,
            reason_kind,
            bool_or(is_whole_file) as is_whole_file,
            cast(sum(rows_quarantined) as bigint) as rows_quarantined,
            count(*) as files,
            first(file_name order by loaded_at desc, file_name) as example_file_name,
            first(example_row_number order by loaded_at desc, file_name) as example_row_number,
            first(example_reason order by loaded_at desc, file_name) as example_reason,
        from reasons
        group by source_key, reason_kind
        order by rows_quarantined desc, source_key, reason_kind
        """,
        {"sources": list(sources) or None},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def validation_results(source: Published) -> pd.DataFrame:
    """One row per expectation of each source's latest validation run, failed ones first."""
    return fetch_df(
        source,
        """
        select
            system,
            source,
            expectation,
            column_names,
            success,
            element_count,
            unexpected_count,
            unexpected_percent,
            partial_unexpected,
            validated_at,
        from rpt_validation_latest
        order by success, unexpected_count desc nulls last, source, expectation, column_names
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def ingest_files(source: Published) -> pd.DataFrame:
    """One row per file in force, newest first, from ``rpt_ingest_files``, with a newer
    version rejected whole that left it in force."""
    return fetch_df(
        source,
        """
        select
            system,
            coalesce(source, '') as source,
            file_name,
            status,
            rows_read,
            rows_loaded,
            rows_quarantined,
            quarantine_share,
            encoding,
            unmapped_columns,
            missing_columns,
            message,
            loaded_at,
            export_date,
            newer_version_rejected_at,
            newer_version_message,
        from rpt_ingest_files
        order by loaded_at desc, file_name
        """,
    )
