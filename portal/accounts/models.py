"""Portal accounts and their link to a CRM customer.

The link is made through an immutable identity (the CRM user id from a verified ``crm_user_id``
claim, and the IdP subject), never through a mutable username or email alone.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Role names as they come from the identity provider (Keycloak realm roles).
ROLE_CUSTOMER = "prothetic_user"
ROLE_SUPPORT = "support"
ROLE_ADMINISTRATOR = "administrator"
STAFF_ROLES = frozenset({ROLE_SUPPORT, ROLE_ADMINISTRATOR})


class Account(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="account", verbose_name=_("portal user")
    )
    # CRM users.id of the customer this account may see; NULL for staff and unlinked accounts.
    crm_user_id = models.BigIntegerField(_("CRM customer id"), null=True, blank=True, unique=True)
    # OpenID Connect issuer and subject: the immutable identity of the person at the provider.
    oidc_issuer = models.CharField(_("OIDC issuer"), max_length=255, blank=True)
    oidc_subject = models.CharField(_("OIDC subject"), max_length=255, null=True, blank=True)
    roles = models.JSONField(_("roles at last sign-in"), default=list, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_issuer", "oidc_subject"], name="accounts_unique_oidc_identity"
            ),
        ]

    def __str__(self):
        return f"{self.user} -> CRM #{self.crm_user_id}"
