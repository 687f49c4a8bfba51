"""Benchmark: the catalog search the /layanan page uses, on a catalog of 5,000 services
offered across the 103 MPP sites.

    .venv/bin/python bench/catalog_search.py            # SQLite (embedded default) and PostgreSQL
    .venv/bin/python bench/catalog_search.py --sqlite-only

Writes bench/results/catalog_search.json: p50 and p95 server-side time of
``catalog.search_services`` (the same call the page makes, results rendered into cards) over
at least 21 rounds of varied queries and filters, with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from mpp_digital import demo  # noqa: E402
from mpp_digital.cli import migrate  # noqa: E402
from mpp_digital.db import engine_for  # noqa: E402
from mpp_digital.models import Agency, MppSite, Service, SiteService  # noqa: E402
from mpp_digital.services import catalog  # noqa: E402
from mpp_digital.services.catalog import SearchFilters  # noqa: E402

TARGET_SERVICES = 5000
ROUNDS = 25
QUERIES = [
    "", "ktp", "KTP", "akta kelahiran", "akte kelahiran", "kk", "skck", "sim", "paspor", "nib", "bpjs",
    "pajak kendaraan", "izin", "surat keterangan", "pendaftaran", "Kartu Identitas Anak", "pbg", "imb",
    "sertifikat tanah", "nikah", "pindah", "npwp", "klaim", "legalisir", "zzz tidak ada",
]
VARIANTS = ["Baru", "Perpanjangan", "Penggantian", "Perubahan Data", "Duplikat", "Legalisir", "Verifikasi",
            "Rekomendasi", "Pengesahan", "Pencabutan", "Pendaftaran Ulang", "Konsultasi", "Perbaikan",
            "Mutasi", "Pengaktifan", "Penerbitan Salinan", "Balik Nama", "Penyesuaian", "Permohonan Khusus",
            "Pemutakhiran", "Pelaporan", "Penetapan", "Pengujian", "Pemeriksaan", "Keberatan", "Banding",
            "Pemindahan", "Penonaktifan", "Pemulihan", "Penambahan", "Pengurangan", "Registrasi", "Kartu",
            "Sertifikasi", "Penilaian", "Pembaruan", "Pengambilan", "Penggabungan", "Pemecahan", "Izin Khusus",
            "Tahunan", "Darurat", "Kolektif"]


def build_catalog(url: str) -> None:
    """Migrate, load the demo catalog, then grow it to 5,000 services across the 103 sites."""
    migrate(url)
    engine = engine_for(url)
    rng = random.Random(2026)
    with Session(engine) as session:
        demo.load_regions(session)
        demo.load_catalog(session)
        session.flush()
        base = list(session.exec(select(Service)).all())
        sites = list(session.exec(select(MppSite.id)).all())
        new_rows = []
        for i in range(TARGET_SERVICES - len(base)):
            template = base[i % len(base)]
            variant = VARIANTS[(i // len(base)) % len(VARIANTS)]
            new_rows.append({
                "slug": f"{template.slug}-{i}", "agency_id": template.agency_id,
                "name": f"{template.name} ({variant} {i // (len(base) * len(VARIANTS)) + 1})",
                "aliases": template.aliases, "summary": template.summary, "requirements": template.requirements,
                "procedure": template.procedure, "duration_days": rng.randint(0, 20),
                "fee_rupiah": rng.choice([0, 0, 10000, 50000, 150000]), "product": template.product,
                "complaint_handling": template.complaint_handling, "legal_basis": template.legal_basis,
                "life_events": template.life_events, "search_text": "",
            })
        session.execute(insert(Service), new_rows)
        session.flush()
        catalog.refresh_search_text(session)
        existing = {(r[0], r[1]) for r in session.exec(select(SiteService.site_id, SiteService.service_id)).all()}
        offers = []
        for service_id in session.exec(select(Service.id).where(Service.slug.contains("-"))).all():  # type: ignore[union-attr]
            for site_id in rng.sample(sites, k=rng.randint(5, 40)):
                if (site_id, service_id) not in existing:
                    existing.add((site_id, service_id))
                    offers.append({"site_id": site_id, "service_id": service_id, "direct": True,
                                   "online": rng.random() < 0.4, "mobile": rng.random() < 0.2})
        for chunk in range(0, len(offers), 20000):
            session.execute(insert(SiteService), offers[chunk:chunk + 20000])
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()


def filters_for(session: Session, rng: random.Random) -> list[SearchFilters]:
    agencies = list(session.exec(select(Agency.id)).all())
    sites = list(session.exec(select(MppSite.id)).all())
    return [
        SearchFilters(),
        SearchFilters(channel="online"),
        SearchFilters(fee="free"),
        SearchFilters(province_code="33"),
        SearchFilters(regency_code="33.14"),
        SearchFilters(site_id=rng.choice(sites)),
        SearchFilters(agency_id=rng.choice(agencies)),
        SearchFilters(province_code="33", channel="mobile", fee="paid"),
        SearchFilters(life_event="kelahiran"),
    ]


def measure(url: str) -> dict:
    engine = engine_for(url)
    rng = random.Random(7)
    samples: list[float] = []
    per_round: list[float] = []
    with Session(engine) as session:
        services = session.exec(text("SELECT count(*) FROM service")).one()[0]
        offers = session.exec(text("SELECT count(*) FROM siteservice")).one()[0]
        combos = [(q, f) for q in QUERIES for f in filters_for(session, rng)]
        builds = []
        for _ in range(3):  # the per-process index is rebuilt after every catalog change
            start = time.perf_counter()
            catalog._build_index(session, 0)
            builds.append((time.perf_counter() - start) * 1000)
        for q, f in combos[:20]:  # warm-up
            catalog.search_services(session=session, query=q, filters=f)
        for _ in range(ROUNDS):
            rng.shuffle(combos)
            round_samples = []
            for query, filters in combos[:60]:
                start = time.perf_counter()
                catalog.search_services(session=session, query=query, filters=filters, page=rng.choice([1, 1, 2]))
                round_samples.append((time.perf_counter() - start) * 1000)
            samples += round_samples
            per_round.append(statistics.median(round_samples))
    ordered = sorted(samples)
    return {
        "database": engine.dialect.name,
        "services": services,
        "site_offers": offers,
        "rounds": ROUNDS,
        "searches": len(samples),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "round_median_spread_ms": [round(min(per_round), 2), round(max(per_round), 2)],
        "index_rebuild_after_a_change_ms_median": round(statistics.median(builds), 1),
        "target_p95_ms": 30,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--sqlite-path", help="reuse (or build once) this SQLite file instead of a temporary one")
    parser.add_argument("--postgres-url", default=os.environ.get("MPP_BENCH_DATABASE_URL",
                                                                  "postgresql://postgres@127.0.0.1:5432/bench_catalog"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.sqlite_path) if args.sqlite_path else Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            build_catalog(url)
        results.append(measure(url))
        print(results[-1])
    if not args.sqlite_only:
        engine = engine_for(args.postgres_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        build_catalog(args.postgres_url)
        results.append(measure(args.postgres_url))
        print(results[-1])
    report = {
        "benchmark": "catalog_search",
        "what": "catalog.search_services as /layanan calls it: varied queries x filters, pages 1-2, cards built",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "results": results,
    }
    out = ROOT / "bench" / "results" / "catalog_search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
