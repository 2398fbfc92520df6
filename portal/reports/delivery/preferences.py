"""A customer's delivery settings: read with the defaults (on, Russian), changed only by id.

Callers pass the id the gate or a signed token vouched for, never one taken from a form."""

from __future__ import annotations

from django.conf import settings

from portal.reports.delivery.models import DeliveryPreference


def preference_for(crm_user_id: int) -> DeliveryPreference:
    """The stored settings, or unsaved defaults when the customer never changed them."""
    found = DeliveryPreference.objects.filter(crm_user_id=crm_user_id).first()
    return found or DeliveryPreference(crm_user_id=crm_user_id, enabled=True, language=settings.LANGUAGE_CODE)


def save_preference(*, crm_user_id: int, enabled: bool, language: str) -> DeliveryPreference:
    preference, _ = DeliveryPreference.objects.update_or_create(
        crm_user_id=crm_user_id, defaults={"enabled": enabled, "language": language}
    )
    return preference


def unsubscribe(*, crm_user_id: int) -> None:
    """Delivery off; the language stays as it was."""
    DeliveryPreference.objects.update_or_create(crm_user_id=crm_user_id, defaults={"enabled": False})
