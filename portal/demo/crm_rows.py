"""CRM rows: customers, their prostheses, subscriptions, payments and support tickets.

The CRM is small (a few hundred rows per scale unit), so it is built in memory. Everything is
drawn from one ``random.Random`` seeded from ``--seed``; ids follow time (customers by sign-up,
payments by ``paid_at``) as they would in a live CRM. ``DeviceLife`` tells the telemetry stream
when each prosthesis was in use.
"""

import datetime as dt
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from portal.core.months import add_months, month_of
from portal.demo import vocabulary as words
from portal.demo.config import BRIEF_TICKETS, DEMO_EMAIL_DOMAIN, UTC, DemoConfig
from portal.demo.rows import PaymentRow, ProstheticRow, SubscriptionRow, SupportTicketRow, UserRow

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
# Customers sign up over most of the window, so that the average customer pays for about 16 of
# its 30 months; with second prostheses, plan changes and retried failed payments that makes the
# brief's 234 payments for 12 customers over 2.5 years.
SIGN_UP_SPREAD = 0.92
SECOND_DEVICE_SHARE = 0.25  # 12 customers -> 15 prostheses
CANCEL_SHARE = 0.15  # 12 customers -> 2 cancel
PLAN_CHANGE_PROBABILITY = 0.4
MAINTENANCE_PROBABILITY = 0.07
PAYMENT_FAILURE_PROBABILITY = 0.07
REFUND_PROBABILITY = 0.01


@dataclass(frozen=True)
class DeviceLife:
    """When a prosthesis sent telemetry: from ``active_from`` up to ``active_until`` (exclusive)."""

    prosthetic_id: int
    kind: str  # "arm" or "leg"
    battery_capacity_mah: int
    active_from: dt.datetime
    active_until: dt.datetime

    @property
    def active_days(self) -> float:
        return max(0.0, (self.active_until - self.active_from) / DAY)


@dataclass
class CrmData:
    users: list[UserRow] = field(default_factory=list)
    prosthetics: list[ProstheticRow] = field(default_factory=list)
    subscriptions: list[SubscriptionRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    tickets: list[SupportTicketRow] = field(default_factory=list)
    devices: list[DeviceLife] = field(default_factory=list)

    def tables(self) -> dict[str, list]:
        """Rows per table, in an order that satisfies the foreign keys."""
        return {
            "users": self.users,
            "prosthetics": self.prosthetics,
            "subscriptions": self.subscriptions,
            "payments": self.payments,
            "support_tickets": self.tickets,
        }


@dataclass
class _Customer:
    id: int
    created_at: dt.datetime
    cancelled_on: dt.date | None  # last day of service (inclusive)
    method: str
    devices: list["_Device"] = field(default_factory=list)

    def service_end(self, end: dt.datetime) -> dt.datetime:
        if self.cancelled_on is None:
            return end
        return _midnight(self.cancelled_on) + DAY


@dataclass
class _Device:
    customer: _Customer
    model: str
    limb: str
    capacity: int
    firmware: str
    activated_at: dt.datetime
    active_until: dt.datetime
    status: str = "active"
    id: int = 0


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=UTC)


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _spread_sample(rng: random.Random, population: int, count: int) -> set[int]:
    """``count`` indexes out of ``range(population)``, one from each of ``count`` equal strata, so
    that early and late customers are picked alike."""
    if count <= 0:
        return set()
    bounds = [round(population * stratum / count) for stratum in range(count + 1)]
    return {rng.randrange(low, high) for low, high in itertools.pairwise(bounds) if high > low}


def _add_months(day: dt.date, months: int) -> dt.date:
    """The billing day ``months`` later; days past the 28th bill on the 28th of later months."""
    if months == 0:
        return day
    return add_months(month_of(day), months).replace(day=min(day.day, 28))


class CrmBuilder:
    def __init__(self, config: DemoConfig):
        self.config = config
        self.rng = random.Random(f"crm:{config.seed}")
        self.start, self.end = config.start, config.end
        self.span = self.end - self.start

    def build(self) -> CrmData:
        customers = self._customers()
        devices = self._devices(customers)
        data = CrmData()
        data.users = [self._user_row(customer) for customer in customers]
        data.prosthetics = [self._prosthetic_row(device) for device in devices]
        data.devices = [
            DeviceLife(
                prosthetic_id=device.id,
                kind="leg" if device.limb.endswith("leg") else "arm",
                battery_capacity_mah=device.capacity,
                active_from=device.activated_at,
                active_until=device.active_until,
            )
            for device in devices
        ]
        data.subscriptions = self._subscriptions(customers)
        data.payments = self._payments(data.subscriptions, customers)
        data.tickets = self._tickets(customers)
        return data

    # --- customers and devices -------------------------------------------------------------
    def _customers(self) -> list[_Customer]:
        count = self.config.users
        # Exact shares (not a coin per customer) keep the totals close to the brief at any seed.
        cancelling = _spread_sample(self.rng, count, round(count * CANCEL_SHARE))
        customers = []
        for index in range(count):
            share = SIGN_UP_SPREAD * (index + self.rng.uniform(0.1, 0.9)) / count
            created_at = (self.start + share * self.span).replace(microsecond=0)
            customers.append(
                _Customer(
                    id=index + 1,
                    created_at=created_at,
                    cancelled_on=self._cancellation(created_at) if index in cancelling else None,
                    method=_weighted(self.rng, words.PAYMENT_METHODS),
                )
            )
        return customers

    def _cancellation(self, created_at: dt.datetime) -> dt.date | None:
        earliest, latest = created_at + 120 * DAY, self.end - 30 * DAY
        if earliest >= latest:
            return None
        return (earliest + self.rng.uniform(0.25, 0.75) * (latest - earliest)).date()

    def _devices(self, customers: list[_Customer]) -> list[_Device]:
        with_second = _spread_sample(self.rng, len(customers), round(len(customers) * SECOND_DEVICE_SHARE))
        devices = []
        for index, customer in enumerate(customers):
            service_end = customer.service_end(self.end)
            first_at = customer.created_at + self.rng.uniform(0.5, 10) * DAY
            first_at = min(first_at, customer.created_at + (service_end - customer.created_at) / 2)
            devices.append(self._device(customer, first_at, service_end))
            if index in with_second:
                second_at = first_at + self.rng.uniform(0.2, 0.5) * (service_end - first_at)
                devices.append(self._device(customer, second_at, service_end))
        devices.sort(key=lambda device: device.activated_at)
        for number, device in enumerate(devices, start=1):
            device.id = number
        return devices

    def _device(self, customer: _Customer, activated_at: dt.datetime, service_end: dt.datetime) -> _Device:
        taken = {device.limb for device in customer.devices}
        limbs = {limb: weight for limb, weight in words.LIMB_WEIGHTS.items() if limb not in taken}
        limb = _weighted(self.rng, limbs)
        model, _, capacity, firmwares = self.rng.choice(
            [spec for spec in words.DEVICE_MODELS if limb in spec[1]]
        )
        device = _Device(
            customer=customer,
            model=model,
            limb=limb,
            capacity=capacity,
            firmware=self.rng.choice(firmwares),
            activated_at=activated_at.replace(microsecond=0),
            active_until=service_end,
        )
        if customer.cancelled_on is not None:
            device.status = "retired"
        elif self.rng.random() < MAINTENANCE_PROBABILITY:
            device.status = "maintenance"
            sent_in = self.end - self.rng.uniform(1, 10) * DAY
            device.active_until = max(sent_in.replace(microsecond=0), device.activated_at)
        customer.devices.append(device)
        return device

    def _user_row(self, customer: _Customer) -> UserRow:
        female = self.rng.random() < 0.5
        first, first_latin = self.rng.choice(words.FIRST_NAMES_FEMALE if female else words.FIRST_NAMES_MALE)
        surname, surname_latin = self.rng.choice(words.SURNAMES)
        if female:
            surname, surname_latin = surname + "а", surname_latin + "a"
        country, city = self._place()
        updated_at = customer.created_at
        if customer.cancelled_on is not None:
            updated_at = _midnight(customer.cancelled_on) + dt.timedelta(hours=self.rng.uniform(9, 18))
        return UserRow(
            id=customer.id,
            email=f"{first_latin}.{surname_latin}.{customer.id:04d}@{DEMO_EMAIL_DOMAIN}",
            full_name=f"{first} {surname}",
            phone=f"+7 9{self.rng.randint(10, 99)} {self.rng.randint(100, 999)}-"
            f"{self.rng.randint(10, 99)}-{self.rng.randint(10, 99)}",
            country=country,
            city=city,
            created_at=customer.created_at,
            updated_at=updated_at.replace(microsecond=0),
        )

    def _place(self) -> tuple[str, str]:
        country, city, _ = self.rng.choices(words.PLACES, weights=[place[2] for place in words.PLACES])[0]
        return country, city

    def _prosthetic_row(self, device: _Device) -> ProstheticRow:
        registered = max(device.customer.created_at, device.activated_at - self.rng.uniform(1, 72) * HOUR)
        updated_at = device.activated_at if device.status == "active" else device.active_until
        code = device.model.split()[-1]
        return ProstheticRow(
            id=device.id,
            user_id=device.customer.id,
            serial_number=f"BP-{code}-{device.activated_at:%y}{device.id:05d}",
            model=device.model,
            limb=device.limb,
            firmware_version=device.firmware,
            battery_capacity_mah=device.capacity,
            activated_at=device.activated_at,
            status=device.status,
            created_at=registered.replace(microsecond=0),
            updated_at=min(updated_at, self.end - dt.timedelta(seconds=1)),
        )

    # --- subscriptions and payments --------------------------------------------------------
    def _subscriptions(self, customers: list[_Customer]) -> list[SubscriptionRow]:
        drafts = []
        for customer in customers:
            for number, device in enumerate(customer.devices):
                plan = _weighted(self.rng, words.PLAN_WEIGHTS) if number == 0 else "basic"
                drafts.extend(self._plan_history(customer, device, plan))
        drafts.sort(key=lambda draft: (draft["started_on"], draft["user_id"], draft["prosthetic_id"]))
        rows = []
        for number, draft in enumerate(drafts, start=1):
            created_at = _midnight(draft["started_on"]) + dt.timedelta(hours=self.rng.uniform(8, 20))
            updated_at = created_at
            if draft["ended_on"] is not None:
                updated_at = _midnight(draft["ended_on"]) + dt.timedelta(hours=self.rng.uniform(8, 20))
            rows.append(
                SubscriptionRow(
                    id=number,
                    monthly_cost=Decimal(words.PLAN_COSTS[draft["plan"]]),
                    created_at=created_at.replace(microsecond=0),
                    updated_at=min(updated_at, self.end - HOUR).replace(microsecond=0),
                    **draft,
                )
            )
        return rows

    def _plan_history(self, customer: _Customer, device: _Device, plan: str) -> list[dict]:
        """One subscription, or two when the customer changed plan (the first one then expired)."""
        started_on = device.activated_at.date()
        last_day = customer.cancelled_on or self.config.last_day
        final_status = "active" if customer.cancelled_on is None else "cancelled"
        drafts = []
        change_from, change_to = started_on + 60 * DAY, last_day - 30 * DAY
        if self.rng.random() < PLAN_CHANGE_PROBABILITY and change_from < change_to:
            changed_on = change_from + dt.timedelta(days=self.rng.randrange((change_to - change_from).days))
            drafts.append(self._draft(device, plan, started_on, changed_on - DAY, "expired"))
            plan = self.rng.choice([other for other in words.PLAN_COSTS if other != plan])
            started_on = changed_on
        ended_on = customer.cancelled_on if final_status == "cancelled" else None
        drafts.append(self._draft(device, plan, started_on, ended_on, final_status))
        return drafts

    @staticmethod
    def _draft(
        device: _Device, plan: str, started_on: dt.date, ended_on: dt.date | None, status: str
    ) -> dict:
        return {
            "user_id": device.customer.id,
            "prosthetic_id": device.id,
            "plan": plan,
            "started_on": started_on,
            "ended_on": ended_on,
            "status": status,
        }

    def _payments(self, subscriptions: list[SubscriptionRow], customers: list[_Customer]) -> list[PaymentRow]:
        method_of = {customer.id: customer.method for customer in customers}
        drafts = []
        for subscription in subscriptions:
            last_day = subscription.ended_on or self.config.last_day
            months = 0
            while (billed_on := _add_months(subscription.started_on, months)) <= last_day:
                drafts.extend(
                    self._billing_attempts(subscription, billed_on, method_of[subscription.user_id])
                )
                months += 1
        drafts.sort(key=lambda draft: (draft["paid_at"], draft["subscription_id"]))
        return [PaymentRow(id=number, **draft) for number, draft in enumerate(drafts, start=1)]

    def _billing_attempts(self, subscription: SubscriptionRow, billed_on: dt.date, method: str) -> list[dict]:
        paid_at = (_midnight(billed_on) + dt.timedelta(hours=self.rng.uniform(6, 20))).replace(microsecond=0)
        if paid_at >= self.end:
            return []
        if paid_at >= self.end - 2 * DAY and self.rng.random() < 0.5:
            return [self._payment(subscription, paid_at, "pending", method)]
        if self.rng.random() < PAYMENT_FAILURE_PROBABILITY:
            failed = self._payment(subscription, paid_at, "failed", method)
            retry_at = paid_at + self.rng.uniform(1, 3) * DAY
            if retry_at >= self.end:
                return [failed]
            return [failed, self._payment(subscription, retry_at.replace(microsecond=0), "success", method)]
        status = "refunded" if self.rng.random() < REFUND_PROBABILITY else "success"
        return [self._payment(subscription, paid_at, status, method)]

    def _payment(self, subscription: SubscriptionRow, paid_at: dt.datetime, status: str, method: str) -> dict:
        updated_at = paid_at
        if status == "refunded":
            updated_at = min(paid_at + self.rng.uniform(1, 10) * DAY, self.end - HOUR).replace(microsecond=0)
        return {
            "user_id": subscription.user_id,
            "subscription_id": subscription.id,
            "amount": subscription.monthly_cost,
            "currency": "RUB",
            "status": status,
            "method": method,
            "paid_at": paid_at,
            "created_at": paid_at,
            "updated_at": updated_at,
        }

    # --- support tickets -------------------------------------------------------------------
    def _tickets(self, customers: list[_Customer]) -> list[SupportTicketRow]:
        count = max(1, round(BRIEF_TICKETS * self.config.volume))
        tenures = [(customer.service_end(self.end) - customer.created_at) / DAY for customer in customers]
        drafts = []
        for customer in self.rng.choices(customers, weights=tenures, k=count):
            service_end = customer.service_end(self.end)
            created_at = customer.created_at + self.rng.random() * (service_end - customer.created_at)
            drafts.append(self._ticket(customer, created_at.replace(microsecond=0)))
        drafts.sort(key=lambda draft: (draft["created_at"], draft["user_id"]))
        return [SupportTicketRow(id=number, **draft) for number, draft in enumerate(drafts, start=1)]

    def _ticket(self, customer: _Customer, created_at: dt.datetime) -> dict:
        category = _weighted(self.rng, words.CATEGORY_WEIGHTS)
        priorities, subjects = words.TICKETS[category]
        in_use = [device for device in customer.devices if device.activated_at <= created_at]
        prosthetic_id = None
        if category != "billing" and in_use:
            prosthetic_id = self.rng.choice(in_use).id
        status, resolved_at = self._ticket_progress(created_at)
        subject = self.rng.choice(subjects)
        return {
            "user_id": customer.id,
            "prosthetic_id": prosthetic_id,
            "subject": subject,
            "description": f"{subject}. Обращение клиента через приложение BionicPRO.",
            "category": category,
            "priority": _weighted(self.rng, priorities),
            "status": status,
            "created_at": created_at,
            "resolved_at": resolved_at,
            "updated_at": resolved_at or created_at,
        }

    def _ticket_progress(self, created_at: dt.datetime) -> tuple[str, dt.datetime | None]:
        resolved_at = (created_at + self.rng.uniform(0.05, 7) * DAY).replace(microsecond=0)
        if resolved_at >= self.end:
            return ("open" if self.end - created_at < 2 * DAY else "in_progress"), None
        return ("closed" if self.rng.random() < 0.3 else "resolved"), resolved_at


def build_crm(config: DemoConfig) -> CrmData:
    return CrmBuilder(config).build()
