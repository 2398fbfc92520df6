"""Template filters over ``portal.reports.formatting`` for the report pages and the PDF."""

from django import template

from portal.reports import formatting

register = template.Library()

register.filter("figure", formatting.figure)
register.filter("money", formatting.money)
register.filter("with_unit", formatting.with_unit)
register.filter("health_label", formatting.health_label)
register.filter("health_summary", formatting.health_summary)
register.filter("limb_label", formatting.limb_label)
register.filter("month_label", formatting.month_label)
register.filter("month_in_sentence", formatting.month_in_sentence)
register.filter("month_status_label", formatting.month_status_label)
register.filter("money_per_month", formatting.money_per_month)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key)
