"""What to generate: size, seed and the time window, plus the brief's default figures."""

import datetime as dt
from dataclasses import dataclass

UTC = dt.UTC

# The brief's default size (DESIGN.md "Demo data"): 2.5 years, per scale unit.
DEFAULT_YEARS = 2.5
DEFAULT_SEED = 42
BRIEF_USERS = 12
BRIEF_PROSTHETICS = 15
BRIEF_PAYMENTS = 234
BRIEF_TICKETS = 47
BRIEF_EVENTS = 456_000
BRIEF_READINGS = 45_000

DEMO_EMAIL_DOMAIN = "demo.bionicpro.example"
DEMO_PASSWORD = "bionicpro-demo"  # noqa: S105 - a published local demo password, not a secret
SUPPORT_LOGIN = "support@bionicpro.example"
SUPPORT_GROUP = "support"


def yesterday_utc() -> dt.date:
    return dt.datetime.now(UTC).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class DemoConfig:
    """``until`` is the last day with data (inclusive); the window is ``years`` long before it."""

    scale: int = 1
    seed: int = DEFAULT_SEED
    years: float = DEFAULT_YEARS
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.scale < 1:
            raise ValueError("scale must be at least 1")
        if not 0 < self.years <= 20:
            raise ValueError("years must be greater than 0 and at most 20")
        if self.until is None:
            object.__setattr__(self, "until", yesterday_utc())

    @property
    def last_day(self) -> dt.date:
        """``until``, which ``__post_init__`` always fills in."""
        assert self.until is not None
        return self.until

    @property
    def end(self) -> dt.datetime:
        """Exclusive end of the window: midnight UTC after ``until``."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), tzinfo=UTC)

    @property
    def days(self) -> int:
        return max(1, round(self.years * 365.25))

    @property
    def start(self) -> dt.datetime:
        return self.end - dt.timedelta(days=self.days)

    @property
    def volume(self) -> float:
        """How much history to generate relative to the brief: scale times the window's length."""
        return self.scale * self.years / DEFAULT_YEARS

    @property
    def users(self) -> int:
        return BRIEF_USERS * self.scale
