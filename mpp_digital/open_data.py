"""Open data: ``/api/v1/...``, aggregated service statistics as JSON or CSV, with an OpenAPI description.

Only monthly aggregates per site, province or the nation, read from the rollups: no
personal data, no single transactions. Public, read-only and cacheable (CORS ``*`` for GET:
no cookie is read here).

Provenance: every statistics row says which share of its volume is synthetic (the history
generator's "data contoh", ``synthetic_share`` 0-1, ``synthetic`` true when any), and every
answer says whether synthetic rows are counted at all (``synthetic_included``,
``MPP_INCLUDE_SYNTHETIC``). Complaint statistics count complaints only: never their content
(a "rahasia" complaint's included) nor who filed them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mpp_digital import routes
from mpp_digital.blocking import in_thread
from mpp_digital.client_address import request_address
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.errors import DomainError
from mpp_digital.services import analytics, complaints, rate_limits
from mpp_digital.services.analytics import Kpis

MAX_MONTHS = 36
HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
FIELDS = ("served", "not_served", "digital_share", "wait_median_min", "wait_p90_min", "sla_rate", "ikm", "ikm_grade",
          "survey_responses", "complaints_opened", "per_1000_residents", "residents", "synthetic_share", "synthetic")
SYNTHETIC_NOTE = ("synthetic_share is the share of a row's volume that comes from the history generator "
                  "(sample data, 'data contoh'), not from real service; rows with synthetic true are not real figures")


def provenance(share: float | None) -> dict:
    """The provenance fields of one statistics row."""
    return {"synthetic_share": None if share is None else round(share, 4), "synthetic": bool(share)}


def provenance_meta() -> dict:
    """Whether this deployment counts synthetic rows, and what the provenance fields mean."""
    return {"synthetic_included": analytics.include_synthetic(), "synthetic_note": SYNTHETIC_NOTE}


FIRST_MONTH = date(2000, 1, 1)  # months outside [FIRST_MONTH, LAST_MONTH] are a 400, not a date overflow
LAST_MONTH = date(2099, 12, 1)
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_SCOPE = re.compile(r"national|province:[0-9]{2}|regency:[0-9]{2}\.[0-9]{2}|site:[a-z0-9-]{1,80}")
FORMATS = ("json", "csv")


class BadRequest(Exception):
    """A query parameter is wrong; the message says which and how."""


def kpi_record(k: Kpis) -> dict:
    """The open-data fields of a KPI set (rounded as the dashboards show them)."""
    return {
        "served": k.served, "not_served": k.not_served,
        "digital_share": None if k.digital_share is None else round(k.digital_share, 4),
        "wait_median_min": analytics.rounded("minutes", k.wait_median),
        "wait_p90_min": analytics.rounded("minutes", k.wait_p90),
        "sla_rate": None if k.sla_rate is None else round(k.sla_rate, 4),
        "ikm": analytics.rounded("index", k.ikm), "ikm_grade": k.ikm_grade or None,
        "survey_responses": k.survey_n, "complaints_opened": k.complaints_opened,
        "per_1000_residents": None if k.per_1000 is None else round(k.per_1000, 3), "residents": k.population,
    }


def _month(name: str, text: str | None, default: date) -> date:
    """A YYYY-MM parameter between FIRST_MONTH and LAST_MONTH (``default`` when absent)."""
    if text is None or text == "":
        return default
    if not _MONTH.fullmatch(text):
        raise BadRequest(f"{name} must be a month as YYYY-MM, for example 2026-03")
    try:
        month = date(int(text[:4]), int(text[5:]), 1)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a month as YYYY-MM; month {text[5:]} does not exist") from exc
    if not FIRST_MONTH <= month <= LAST_MONTH:
        raise BadRequest(f"{name} must be between {FIRST_MONTH:%Y-%m} and {LAST_MONTH:%Y-%m}")
    return month


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _format(request: Request) -> str:
    """json or csv, from ``format`` (or ``Accept: text/csv``)."""
    fmt = request.query_params.get("format")
    if fmt is not None and fmt.lower() not in FORMATS:
        raise BadRequest("format must be json or csv")
    if fmt is None and "text/csv" in request.headers.get("accept", ""):
        return "csv"
    return (fmt or "json").lower()


def _respond(request: Request, rows: list[dict], meta: dict, name: str) -> Response:
    wants_csv = _format(request) == "csv"
    if wants_csv:
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": f'inline; filename="{name}.csv"'})
    return JSONResponse({**meta, "data": rows}, headers=HEADERS)


def _scope(session, raw: str) -> analytics.Scope:
    if not _SCOPE.fullmatch(raw):
        raise BadRequest("scope is national, province:<2 digits>, regency:<NN.NN> or site:<slug>")
    kind, _, code = raw.partition(":")
    if kind in ("national", ""):
        return analytics.national_scope(session=session)
    if kind == "province":
        return analytics.province_scope(session=session, province_code=code)
    if kind == "regency":
        return analytics.regency_scope(session=session, regency_code=code)
    if kind == "site":
        site = next((s for s in analytics.sites_with_regions(session=session) if s["slug"] == code), None)
        if site is None:
            raise BadRequest(f"unknown site: {code}")
        return analytics.site_scope(session=session, site_id=site["id"])
    raise BadRequest("scope is national, province:<code>, regency:<code> or site:<slug>")


def _last_full_month() -> date:
    today = analytics.local_today(utcnow())
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


async def _guarded(request: Request, work, name: str) -> Response:
    try:
        await rate_limits.check(rate_limits.OPEN_DATA, request_address(request))
    except rate_limits.RateLimited as exc:
        return JSONResponse({"error": f"too many requests; retry in {exc.retry_after} s"}, status_code=429,
                            headers={**HEADERS, "Retry-After": str(exc.retry_after)})
    try:
        _format(request)
        rows, meta = await in_thread(work)
    except BadRequest as exc:
        return JSONResponse({"error": str(exc)}, status_code=400, headers=HEADERS)
    except DomainError as exc:
        return JSONResponse({"error": exc.key, **{k: str(v) for k, v in exc.params.items()}}, status_code=404,
                            headers=HEADERS)
    return _respond(request, rows, meta, name)


async def sites(request: Request) -> Response:
    """GET /api/v1/sites: every MPP site with its regency, province and residents."""
    def work():
        with session_scope() as session:
            rows = [{k: s[k] for k in ("slug", "name", "regency_code", "regency", "province_code", "province",
                                       "population")} for s in analytics.sites_with_regions(session=session)]
        return rows, {"count": len(rows)}

    return await _guarded(request, work, "mpp-sites")


async def monthly(request: Request) -> Response:
    """GET /api/v1/stats/monthly?scope=...&from=YYYY-MM&to=YYYY-MM: KPIs per month of one scope."""
    def work():
        last = _last_full_month()
        end = _month("to", request.query_params.get("to"), last)
        default_start = max(FIRST_MONTH, (end - timedelta(days=330)).replace(day=1))
        start = _month("from", request.query_params.get("from"), default_start)
        if start > end:
            raise BadRequest("from is after to")
        if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
            raise BadRequest(f"at most {MAX_MONTHS} months")
        with session_scope() as session:
            scope = _scope(session, request.query_params.get("scope", "national"))
            series = analytics.monthly_series(session=session, scope=scope, start=start, end=_month_end(end))
        rows = [{"scope": scope.name, "month": m["month"], **kpi_record(m["kpis"]), **provenance(m["synthetic_share"])}
                for m in series]
        return rows, {"scope": scope.name, "from": start.strftime("%Y-%m"), "to": end.strftime("%Y-%m"),
                      **provenance_meta()}

    return await _guarded(request, work, "mpp-monthly")


async def by_site(request: Request) -> Response:
    """GET /api/v1/stats/sites?month=YYYY-MM: KPIs of every site for one month."""
    def work():
        month = _month("month", request.query_params.get("month"), _last_full_month())
        flt = analytics.Filters(start=month, end=_month_end(month))
        with session_scope() as session:
            ranking = analytics.ranking(session=session, filters=flt)
        rows = [{"site": r["slug"], "name": r["name"], "regency_code": r["regency_code"],
                 "province_code": r["province_code"], "month": month.strftime("%Y-%m"), **kpi_record(r["kpis"]),
                 **provenance(r["synthetic_share"])}
                for r in ranking]
        return rows, {"month": month.strftime("%Y-%m"), **provenance_meta()}

    return await _guarded(request, work, "mpp-sites-month")


async def by_province(request: Request) -> Response:
    """GET /api/v1/stats/provinces?month=YYYY-MM: KPIs of every province that has an MPP."""
    def work():
        month = _month("month", request.query_params.get("month"), _last_full_month())
        flt = analytics.Filters(start=month, end=_month_end(month))
        with session_scope() as session:
            rows = [{"province_code": p["code"], "province": p["name"], "sites": p["sites"],
                     "month": month.strftime("%Y-%m"), **kpi_record(p["kpis"]), **provenance(p["synthetic_share"])}
                    for p in analytics.provinces(session=session, filters=flt)]
        return rows, {"month": month.strftime("%Y-%m"), **provenance_meta()}

    return await _guarded(request, work, "mpp-provinces-month")


def complaint_record(row: complaints.SiteComplaintStats) -> dict:
    """The open-data fields of one site's complaint figures (counts only)."""
    return {"received": row.received, "finished": row.finished, "median_days_to_answer": row.median_days_to_answer,
            "overdue": row.overdue, "synthetic": row.synthetic}


async def complaint_stats(request: Request) -> Response:
    """GET /api/v1/stats/complaints?month=YYYY-MM: complaints per site (received, finished, median days to
    the first answer, overdue now); real and synthetic rows apart; no content, no person."""
    def work():
        month = _month("month", request.query_params.get("month"), _last_full_month())
        with session_scope() as session:
            slugs = {s["id"]: s["slug"] for s in analytics.sites_with_regions(session=session)}
            stats = complaints.site_statistics(session=session, start=month, end=_month_end(month), now=utcnow(),
                                               include_synthetic=analytics.include_synthetic())
        rows = [{"site": slugs.get(r.site_id, ""), "name": r.site_name, "month": month.strftime("%Y-%m"),
                 **complaint_record(r)} for r in stats]
        return rows, {"month": month.strftime("%Y-%m"), **provenance_meta()}

    return await _guarded(request, work, "mpp-complaints-month")


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of the open-data API."""
    number = {"type": ["number", "null"]}
    kpi = {"type": "object", "properties": {
        "served": {"type": "integer", "description": "services delivered"},
        "not_served": {"type": "integer", "description": "tickets/applications that ended without service"},
        "digital_share": {**number, "description": "online + mobile over all served (0-1)"},
        "wait_median_min": {**number, "description": "median wait in minutes (histogram estimate)"},
        "wait_p90_min": {**number, "description": "90th percentile wait in minutes (histogram estimate)"},
        "sla_rate": {**number, "description": "share of services within their service standard (0-1)"},
        "ikm": {**number, "description": "satisfaction index 25-100 (PermenPANRB 14/2017)"},
        "ikm_grade": {"type": ["string", "null"], "enum": ["A", "B", "C", "D", None]},
        "survey_responses": {"type": "integer"},
        "complaints_opened": {"type": "integer"},
        "per_1000_residents": {**number, "description": "served per 1,000 residents of the regencies served"},
        "residents": {"type": "integer"},
        "synthetic_share": {**number, "description": "share of the row's volume from the history generator "
                                                     "(sample data, 'data contoh'), 0-1"},
        "synthetic": {"type": "boolean", "description": "true when any of the row is sample data"},
    }}
    complaint = {"type": "object", "properties": {
        "received": {"type": "integer"}, "finished": {"type": "integer"},
        "median_days_to_answer": {**number, "description": "median calendar days from filing to the first answer"},
        "overdue": {"type": "integer", "description": "complaints past their step's deadline now"},
        "synthetic": {"type": "boolean", "description": "a row of sample data from the history generator"},
    }}
    fmt = {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]},
           "description": "csv for a CSV file (or send Accept: text/csv)"}
    month_schema = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"}
    month = {"name": "month", "in": "query", "schema": month_schema,
             "description": f"YYYY-MM from {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}; default: the last full month"}

    def op(summary: str, params: list, item: dict) -> dict:
        return {"get": {"summary": summary, "parameters": [*params, fmt], "responses": {
            "200": {"description": "aggregated statistics", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "data": {"type": "array", "items": item}}}},
                "text/csv": {"schema": {"type": "string"}}}},
            "400": {"description": "a parameter is wrong (the error says which)"},
            "404": {"description": "unknown region or site"},
            "429": {"description": "too many requests from this address (see Retry-After)"}}}}

    with_kpi = {"allOf": [kpi]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "MPP Digital open data", "version": "1.0.0",
                 "description": "Aggregated public-service statistics of Indonesia's Mal Pelayanan Publik. "
                                "No personal data: monthly sums per site, province or the nation."},
        "paths": {
            f"{routes.API_V1}/sites": op("Every MPP site", [], {"type": "object"}),
            f"{routes.API_V1}/stats/monthly": op("KPIs per month of one scope", [
                {"name": "scope", "in": "query", "schema": {"type": "string"},
                 "description": "national (default), province:33, regency:33.14 or site:sragen"},
                {"name": "from", "in": "query", "schema": month_schema, "description": "YYYY-MM"},
                {"name": "to", "in": "query", "schema": month_schema, "description": "YYYY-MM"},
            ], with_kpi),
            f"{routes.API_V1}/stats/sites": op("KPIs of every site for one month", [month], with_kpi),
            f"{routes.API_V1}/stats/provinces": op("KPIs of every province for one month", [month], with_kpi),
            f"{routes.API_V1}/stats/complaints": op("Complaints of every site for one month (no content)", [month],
                                                    complaint),
        },
    }


async def openapi(_request: Request) -> Response:
    """GET /api/v1/openapi.json."""
    return JSONResponse(openapi_document(), headers=HEADERS)


def open_data_routes() -> list[Route]:
    """The Starlette routes of the open-data API (added to ``web_routes.build_api``)."""
    base = routes.API_V1
    return [
        Route(f"{base}/openapi.json", openapi, methods=["GET"]),
        Route(f"{base}/sites", sites, methods=["GET"]),
        Route(f"{base}/stats/monthly", monthly, methods=["GET"]),
        Route(f"{base}/stats/sites", by_site, methods=["GET"]),
        Route(f"{base}/stats/provinces", by_province, methods=["GET"]),
        Route(f"{base}/stats/complaints", complaint_stats, methods=["GET"]),
    ]


__all__ = ["FIELDS", "open_data_routes", "openapi_document"]
