"""Words the demo data is made of: names, places, device models, error codes, ticket subjects."""

# (Cyrillic name for display, Latin transliteration for the email address)
FIRST_NAMES_FEMALE = [
    ("Анна", "anna"), ("Мария", "maria"), ("Елена", "elena"), ("Ольга", "olga"),
    ("Татьяна", "tatiana"), ("Наталья", "natalia"), ("Ирина", "irina"), ("Светлана", "svetlana"),
]  # fmt: skip
FIRST_NAMES_MALE = [
    ("Алексей", "alexey"), ("Дмитрий", "dmitry"), ("Сергей", "sergey"), ("Иван", "ivan"),
    ("Михаил", "mikhail"), ("Андрей", "andrey"), ("Николай", "nikolay"), ("Павел", "pavel"),
]  # fmt: skip
# Male surname; the female form adds "а" (Cyrillic) / "a" (Latin).
SURNAMES = [
    ("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
    ("Соколов", "sokolov"), ("Лебедев", "lebedev"), ("Козлов", "kozlov"), ("Новиков", "novikov"),
    ("Морозов", "morozov"), ("Волков", "volkov"), ("Соловьёв", "solovyov"), ("Васильев", "vasiliev"),
]  # fmt: skip
# (country, city, weight)
PLACES = [
    ("Россия", "Москва", 30), ("Россия", "Санкт-Петербург", 18), ("Россия", "Казань", 8),
    ("Россия", "Новосибирск", 8), ("Россия", "Екатеринбург", 8), ("Россия", "Нижний Новгород", 6),
    ("Россия", "Самара", 5), ("Казахстан", "Алматы", 4), ("Беларусь", "Минск", 4),
]  # fmt: skip

# (model, limbs it fits, battery capacity mAh, firmware versions)
DEVICE_MODELS = [
    ("BionicPRO X2", ("left_arm", "right_arm"), 4000, ("2.3.4", "2.4.1", "2.5.0")),
    ("BionicPRO X3", ("left_arm", "right_arm"), 5000, ("3.0.2", "3.1.0")),
    ("BionicPRO L1", ("left_leg", "right_leg"), 8000, ("1.7.3", "1.8.0")),
]
LIMB_WEIGHTS = {"left_arm": 30, "right_arm": 40, "left_leg": 14, "right_leg": 16}

# plan -> monthly cost in RUB
PLAN_COSTS = {"basic": "2990.00", "standard": "4990.00", "premium": "7990.00"}
PLAN_WEIGHTS = {"basic": 30, "standard": 50, "premium": 20}
PAYMENT_METHODS = {"card": 70, "sbp": 20, "bank_transfer": 10}

ERRORS = [
    ("E101", "Grip sensor timeout"),
    ("E204", "Motor overcurrent"),
    ("E310", "EMG signal lost"),
    ("E402", "Battery temperature high"),
    ("E517", "Bluetooth link dropped"),
]
CRITICAL_ERRORS = [
    ("C901", "Motor driver fault"),
    ("C914", "Battery protection cut-off"),
    ("C930", "Firmware watchdog reset"),
]
GRIP_PATTERNS = {
    "arm": ("power", "pinch", "tripod", "lateral", "hook", "point"),
    "leg": ("stance_lock", "swing_assist", "stair_mode"),
}

# category -> (priority weights, subjects)
TICKETS = {
    "hardware": (
        {"low": 10, "normal": 50, "high": 30, "critical": 10},
        ["Слабый хват после обновления", "Скрип в запястье", "Не фиксируется колено", "Треснул корпус"],
    ),
    "battery": (
        {"low": 10, "normal": 60, "high": 25, "critical": 5},
        ["Батарея быстро садится", "Не заряжается от сети", "Перегрев при зарядке"],
    ),
    "software": (
        {"low": 20, "normal": 60, "high": 20, "critical": 0},
        ["Приложение не видит протез", "Ошибка после обновления прошивки", "Сбрасываются настройки хвата"],
    ),
    "billing": (
        {"low": 30, "normal": 60, "high": 10, "critical": 0},
        ["Двойное списание", "Не прошёл платёж", "Смена тарифа", "Нужны закрывающие документы"],
    ),
    "fitting": (
        {"low": 30, "normal": 60, "high": 10, "critical": 0},
        ["Натирает гильза", "Запись на подгонку", "Нужна консультация протезиста"],
    ),
}
CATEGORY_WEIGHTS = {"hardware": 30, "battery": 20, "software": 20, "billing": 15, "fitting": 15}
