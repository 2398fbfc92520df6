"""The shape of a report, shared by the API, the pages and the PDF.

Decimals are strings with the mart's exact number of decimals (``"4990.00"``); a NULL average is
``null``. The pages and the PDF format these same values, so their figures match the API's.
"""

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.clickhouse.marts import PROSTHETIC_MONTHLY
from portal.core.months import format_month

HEALTH_STATUSES = PROSTHETIC_MONTHLY.column("health_status").values
MONTH_STATUSES = (*HEALTH_STATUSES, "no_data")
DEVICE_STATUSES = ("active", "maintenance", "retired")


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM``."""

    def to_representation(self, value):
        return format_month(value)


class UserMonthSerializer(serializers.Serializer):
    month = MonthField()
    total_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    successful_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    failed_payments_count = serializers.IntegerField()
    active_subscriptions_count = serializers.IntegerField()
    subscription_cost_total = serializers.DecimalField(max_digits=18, decimal_places=2)
    tickets_opened = serializers.IntegerField()
    tickets_resolved = serializers.IntegerField()
    data_as_of = serializers.DateTimeField(default_timezone=dt.UTC)


class ProstheticMonthSerializer(serializers.Serializer):
    prosthetic_id = serializers.IntegerField()
    serial_number = serializers.CharField()
    model = serializers.CharField()
    limb = serializers.CharField()
    power_on_count = serializers.IntegerField()
    total_active_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    avg_discharge_rate_active = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    avg_charge_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    avg_battery_temperature_c = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    charge_cycles = serializers.IntegerField()
    error_count = serializers.IntegerField()
    critical_error_count = serializers.IntegerField()
    downtime_minutes = serializers.DecimalField(max_digits=12, decimal_places=1)
    uptime_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    health_status = serializers.ChoiceField(choices=HEALTH_STATUSES)


class ComparedProstheticSerializer(serializers.Serializer):
    """The previous month's figures of a prosthesis, for the comparison."""

    power_on_count = serializers.IntegerField()
    total_active_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    charge_cycles = serializers.IntegerField()
    error_count = serializers.IntegerField()
    critical_error_count = serializers.IntegerField()
    downtime_minutes = serializers.DecimalField(max_digits=12, decimal_places=1)
    uptime_pct = serializers.DecimalField(max_digits=5, decimal_places=2)


class AttentionEventSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField(default_timezone=dt.UTC)
    event_type = serializers.ChoiceField(choices=("error", "critical_error"))
    error_code = serializers.CharField(allow_null=True)
    restarted_at = serializers.DateTimeField(
        default_timezone=dt.UTC,
        allow_null=True,
        required=False,
        help_text="Critical only: the next power-on, if any.",
    )
    down_minutes = serializers.DecimalField(
        max_digits=12, decimal_places=1, required=False, help_text="Critical only: minutes until restart."
    )


class StatementProstheticSerializer(ProstheticMonthSerializer):
    has_telemetry = serializers.BooleanField(help_text="False: no event and no battery reading this month.")
    device_status = serializers.ChoiceField(
        choices=DEVICE_STATUSES, allow_null=True, help_text="The CRM's current status of the prosthesis."
    )
    previous = ComparedProstheticSerializer(allow_null=True, help_text="The month before, when on record.")
    attention_events = AttentionEventSerializer(
        many=True, help_text="Errors and critical errors of the month (warning or critical status only)."
    )


class TotalsSerializer(serializers.Serializer):
    months = serializers.IntegerField()
    total_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    successful_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    failed_payments_count = serializers.IntegerField()
    tickets_opened = serializers.IntegerField()
    tickets_resolved = serializers.IntegerField()


class YearToDateSerializer(TotalsSerializer):
    from_month = MonthField()
    to_month = MonthField()


class MonthListItemSerializer(UserMonthSerializer):
    health_status = serializers.ChoiceField(
        choices=MONTH_STATUSES, allow_null=True, help_text="The worst status of the month's prostheses."
    )


class PaymentPointSerializer(serializers.Serializer):
    month = MonthField()
    total_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    successful_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    failed_payments_count = serializers.IntegerField()


class MonthReportSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="CRM customer id.")
    month = MonthField()
    data_as_of = serializers.DateTimeField(
        default_timezone=dt.UTC, help_text="Exclusive upper bound of the source data included."
    )
    metrics = UserMonthSerializer()
    prosthetics = StatementProstheticSerializer(many=True)
    payment_history = PaymentPointSerializer(
        many=True, help_text="Payments of up to 12 months ending with this one, for the chart."
    )
    customer_name = serializers.CharField(help_text="The customer's name in the CRM.")
    statement_number = serializers.CharField(help_text="BP-{customer id}-{YYYYMM}.")
    previous_metrics = UserMonthSerializer(allow_null=True, help_text="The month before, when on record.")
    year_to_date = YearToDateSerializer(help_text="Sums from January (or the first month) through this one.")


class MonthListSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="CRM customer id.")
    data_as_of = serializers.DateTimeField(default_timezone=dt.UTC, allow_null=True)
    processed_through = serializers.DateField(
        allow_null=True, help_text="Last day included in the processed data; later months answer 409."
    )
    months = MonthListItemSerializer(many=True)
    totals = TotalsSerializer(help_text="Sums over the months listed (the period asked for).")
