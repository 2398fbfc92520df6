"""factory_boy factories for the source (CRM, telemetry) and portal models.

Factories write through the ORM, so the database router puts each row in its own database.
"""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from portal.accounts.models import Account
from portal.crm import models as crm
from portal.telemetry import models as telemetry

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


class CrmUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm.User

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Customer {n}")
    phone = "+7 900 000-00-00"
    country = "Russia"
    city = "Moscow"
    created_at = utc(2024, 1, 10, 9, 0)
    updated_at = factory.SelfAttribute("created_at")


class ProstheticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm.Prosthetic

    user = factory.SubFactory(CrmUserFactory)
    serial_number = factory.Sequence(lambda n: f"BP-X2-{n:06d}")
    model = "BionicPRO X2"
    limb = crm.Prosthetic.Limb.LEFT_ARM
    firmware_version = "2.4.1"
    battery_capacity_mah = 5000
    activated_at = utc(2024, 1, 15, 12, 0)
    status = crm.Prosthetic.Status.ACTIVE


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm.Subscription

    user = factory.SubFactory(CrmUserFactory)
    prosthetic = None
    plan = crm.Subscription.Plan.STANDARD
    monthly_cost = Decimal("4990.00")
    started_on = dt.date(2024, 1, 15)
    ended_on = None
    status = crm.Subscription.Status.ACTIVE


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm.Payment

    user = factory.SubFactory(CrmUserFactory)
    subscription = None
    amount = Decimal("4990.00")
    currency = "RUB"
    status = crm.Payment.Status.SUCCESS
    method = "card"
    paid_at = utc(2024, 2, 1, 10, 0)


class SupportTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm.SupportTicket

    user = factory.SubFactory(CrmUserFactory)
    prosthetic = None
    subject = "Grip feels weak"
    description = "The grip strength dropped after the update."
    category = "hardware"
    priority = crm.SupportTicket.Priority.NORMAL
    status = crm.SupportTicket.Status.OPEN
    created_at = utc(2024, 2, 3, 8, 0)
    resolved_at = None


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = telemetry.Event

    prosthetic_id = 1
    event_type = telemetry.Event.Type.POWER_ON
    occurred_at = utc(2024, 2, 1, 8, 0)
    received_at = factory.LazyAttribute(lambda o: o.occurred_at or utc(2024, 2, 1, 8, 0))
    error_code = None
    payload = None


class BatteryMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = telemetry.BatteryMetric

    prosthetic_id = 1
    measured_at = utc(2024, 2, 1, 8, 30)
    charge_pct = Decimal("80.00")
    voltage_v = Decimal("7.400")
    current_ma = 450
    temperature_c = Decimal("31.5")
    is_charging = False
    received_at = factory.LazyAttribute(lambda o: o.measured_at or utc(2024, 2, 1, 8, 30))


class PortalUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"portal-user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    is_staff = False


class AccountFactory(factory.django.DjangoModelFactory):
    """A customer's portal account linked to a CRM user id."""

    class Meta:
        model = Account

    user = factory.SubFactory(PortalUserFactory)
    crm_user_id = None
