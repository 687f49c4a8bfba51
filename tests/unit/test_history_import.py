"""Import of historical volumes: all rows or none, a row-by-row report, re-import changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import text

from mpp_digital.services import analytics, imports
from tests.unit.test_analytics import clean  # noqa: F401  (fixture)

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
GOOD = (
    "tanggal,mpp,layanan,kanal,jumlah,jam,rata_tunggu_menit\n"
    "2026-03-02,banyumas,ktp-el,langsung,40,9,11\n"
    "2026-03-02,banyumas,ktp-el,langsung,25,10,14\n"
    "03-03-2026,banyumas,ktp-el,keliling,5,,\n"
    "2026-03-03,banyumas,kartu-keluarga,online,12,,\n"
)


def counts(session) -> tuple[int, int]:
    events = session.execute(text("SELECT COUNT(*) FROM serviceevent")).scalar()
    rollup = session.execute(text("SELECT COALESCE(SUM(served), 0) FROM analyticsdaily "
                                  "WHERE scope = 'n' AND agency_id = 0")).scalar()
    return events, rollup


def banyumas_march(session):
    scope = analytics.regency_scope(session=session, regency_code="33.02")
    return analytics.kpis(session=session, scope=scope,
                          filters=analytics.Filters(date(2026, 3, 1), date(2026, 3, 31)))[0]


def test_a_good_file_is_imported_and_reimporting_it_changes_nothing(clean, session):  # noqa: F811
    report = imports.import_history(session=session, content=GOOD.encode(), filename="banyumas.csv", now=NOW)
    assert report.accepted, report.errors
    assert (report.rows_total, report.rows_added, report.rows_present) == (4, 4, 0)
    k = banyumas_march(session)
    assert k.served == 82 and k.digital == 17
    assert 10 <= k.wait_median <= 12  # 40 visits at 11 min, 25 at 14 min: the median is in [10, 12)
    assert counts(session) == (4, 82)

    again = imports.import_history(session=session, content=GOOD.encode(), filename="banyumas.csv", now=NOW)
    assert again.accepted and (again.rows_added, again.rows_present) == (0, 4)
    assert counts(session) == (4, 82)
    assert banyumas_march(session) == k


def test_one_bad_row_refuses_the_whole_file_and_names_that_row(clean, session):  # noqa: F811
    bad = GOOD.replace("2026-03-03,banyumas,kartu-keluarga,online,12,,",
                       "2026-03-03,banyumas,layanan-fiktif,online,12,,")
    report = imports.import_history(session=session, content=bad.encode(), filename="bad.csv", now=NOW)
    assert not report.accepted
    assert [(e.row, e.column, e.key) for e in report.errors] == [(5, "layanan", "import.unknown_service")]
    assert report.errors[0].params == {"value": "layanan-fiktif"}
    assert counts(session) == (0, 0)


def test_every_problem_is_reported_with_row_and_column(clean, session):  # noqa: F811
    content = (
        "tanggal,mpp,layanan,kanal,jumlah,jam,rata_tunggu_menit\n"
        "2026-13-01,banyumas,ktp-el,langsung,1,,\n"  # row 2: bad date
        "2026-03-01,atlantis,ktp-el,langsung,1,,\n"  # row 3: unknown site
        "2026-03-01,banyumas,ktp-el,faks,1,,\n"  # row 4: bad channel
        "2026-03-01,banyumas,ktp-el,langsung,0,,\n"  # row 5: bad volume
        "2026-03-01,banyumas,ktp-el,langsung,3,25,\n"  # row 6: bad hour
        "2026-03-01,banyumas,ktp-el,online,3,,5\n"  # row 7: channel not offered (KTP-el is not online)
        "2030-03-01,banyumas,ktp-el,langsung,3,,\n"  # row 8: in the future
        "2026-03-01,banyumas,ktp-el,langsung,3,,\n"  # row 9: fine
        "2026-03-01,banyumas,ktp-el,langsung,4,,\n"  # row 10: same key as row 9
    )
    report = imports.import_history(session=session, content=content.encode(), filename="x.csv", now=NOW)
    found = {(e.row, e.column, e.key) for e in report.errors}
    assert {(2, "tanggal", "import.bad_date"), (3, "mpp", "import.unknown_site"), (4, "kanal", "import.bad_channel"),
            (5, "jumlah", "import.bad_volume"), (6, "jam", "import.bad_hour"),
            (7, "kanal", "import.channel_not_offered"), (8, "tanggal", "import.date_out_of_range"),
            (10, "", "import.duplicate_row")} <= found
    assert not any(e.row == 9 for e in report.errors)
    assert counts(session) == (0, 0)


def test_a_conflicting_reimport_is_refused(clean, session):  # noqa: F811
    assert imports.import_history(session=session, content=GOOD.encode(), filename="a.csv", now=NOW).accepted
    changed = GOOD.replace("banyumas,ktp-el,langsung,40,9,11", "banyumas,ktp-el,langsung,41,9,11")
    report = imports.import_history(session=session, content=changed.encode(), filename="b.csv", now=NOW)
    assert [(e.row, e.key) for e in report.errors] == [(2, "import.conflict")]
    assert counts(session) == (4, 82)


def test_missing_columns_and_unreadable_files(clean, session):  # noqa: F811
    report = imports.import_history(session=session, content=b"tanggal,mpp\n2026-03-01,banyumas\n",
                                    filename="x.csv", now=NOW)
    assert {e.column for e in report.errors} == {"layanan", "kanal", "jumlah"} and report.errors[0].row == 1
    report = imports.import_history(session=session, content=b"\x00\x01 not a workbook", filename="x.xlsx", now=NOW)
    assert [e.key for e in report.errors] == ["import.unreadable"]


def test_xlsx_import_with_progress(clean, session):  # noqa: F811
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str, keep_default_na=False)
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    steps = []
    report = imports.import_history(session=session, content=buffer.getvalue(), filename="banyumas.xlsx", now=NOW,
                                    progress=lambda fraction, stage: steps.append((fraction, stage)))
    assert report.accepted and report.rows_added == 4
    assert steps[-1] == (1.0, "done") and [f for f, _ in steps] == sorted(f for f, _ in steps)
