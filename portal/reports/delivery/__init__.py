"""Monthly report e-mails: when a month closes, each customer who has not opted out gets one
e-mail for it (key figures, the PDF), in their language; never twice for the same month.

- ``models``: the customer's delivery settings and one ``MonthlyEmail`` row per (customer, month).
- ``closing``: which month a successful ETL run closed, and the fan-out of that month's e-mails.
- ``claims``: the row's life (claimed before sending, so a retry or a second worker cannot send again).
- ``message``: the e-mail itself; ``figures``: its key figures; ``tokens``: signed links.
- ``sending``: one customer's month, from claim to recorded outcome.
"""
