"""CSV exports of the month list and of one month: the API's own figures, with the API's field
names as the header, so a spreadsheet and the JSON agree cell for cell."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CSV_FORMAT = "csv"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
LIST_COLUMNS = (
    "month",
    "health_status",
    "successful_payments",
    "total_payments",
    "failed_payments_count",
    "active_subscriptions_count",
    "subscription_cost_total",
    "tickets_opened",
    "tickets_resolved",
)
PROSTHETIC_COLUMNS = (
    "prosthetic_id",
    "serial_number",
    "model",
    "limb",
    "has_telemetry",
    "device_status",
    "health_status",
    "power_on_count",
    "total_active_hours",
    "avg_discharge_rate_active",
    "avg_charge_rate",
    "avg_battery_temperature_c",
    "charge_cycles",
    "error_count",
    "critical_error_count",
    "downtime_minutes",
    "uptime_pct",
)


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == CSV_FORMAT


def month_list_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user_id", *LIST_COLUMNS, "data_as_of"])
    for row in data["months"]:
        writer.writerow([data["user_id"], *(_cell(row.get(c)) for c in LIST_COLUMNS), row["data_as_of"]])
    return out.getvalue()


def month_csv(report: dict) -> str:
    """One header and row for the customer's month, then a blank line, then one row per prosthesis."""
    out = io.StringIO()
    writer = csv.writer(out)
    metrics = report["metrics"]
    user_columns = [c for c in LIST_COLUMNS if c in metrics]
    writer.writerow(["user_id", "statement_number", *user_columns, "data_as_of"])
    writer.writerow(
        [
            report["user_id"],
            report["statement_number"],
            *(_cell(metrics[c]) for c in user_columns),
            report["data_as_of"],
        ]
    )
    writer.writerow([])
    writer.writerow(["month", *PROSTHETIC_COLUMNS])
    for prosthetic in report["prosthetics"]:
        writer.writerow([report["month"], *(_cell(prosthetic[c]) for c in PROSTHETIC_COLUMNS)])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True)
    return response


def list_filename(crm_user_id: int) -> str:
    return f"bionicpro-{crm_user_id}-months.csv"


def month_filename(crm_user_id: int, month: str) -> str:
    return f"bionicpro-{crm_user_id}-{month}.csv"
