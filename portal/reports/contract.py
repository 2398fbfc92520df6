"""The shape of a report, shared by the API, the pages and the PDF.

Decimals are strings with the mart's exact number of decimals (``"4990.00"``); a NULL average is
``null``. The pages and the PDF format these same values, so their figures match the API's.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.clickhouse.marts import PROSTHETIC_MONTHLY
from portal.core.months import format_month

HEALTH_STATUSES = PROSTHETIC_MONTHLY.column("health_status").values


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
    data_as_of = serializers.DateTimeField()


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


class PaymentPointSerializer(serializers.Serializer):
    month = MonthField()
    total_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    successful_payments = serializers.DecimalField(max_digits=18, decimal_places=2)
    failed_payments_count = serializers.IntegerField()


class MonthReportSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="CRM customer id.")
    month = MonthField()
    data_as_of = serializers.DateTimeField(help_text="Exclusive upper bound of the source data included.")
    metrics = UserMonthSerializer()
    prosthetics = ProstheticMonthSerializer(many=True)
    payment_history = PaymentPointSerializer(
        many=True, help_text="Payments of up to 12 months ending with this one, for the chart."
    )


class MonthListSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="CRM customer id.")
    data_as_of = serializers.DateTimeField(allow_null=True)
    processed_through = serializers.DateField(
        allow_null=True, help_text="Last day included in the processed data; later months answer 409."
    )
    months = UserMonthSerializer(many=True)
