#!/bin/sh
# One-shot (ldap-demo-passwords service): give every demo directory user under ou=people the
# password DEMO_USER_PASSWORD, so no password is ever committed. Safe to run again.
set -eu
base="dc=bionicpro,dc=example"
ldapsearch -x -LLL -H ldap://openldap -D "cn=admin,$base" -w "$LDAP_ADMIN_PASSWORD" \
    -b "ou=people,$base" "(objectClass=inetOrgPerson)" dn | sed -n 's/^dn: //p' |
    while read -r dn; do
        ldappasswd -x -H ldap://openldap -D "cn=admin,$base" -w "$LDAP_ADMIN_PASSWORD" \
            -s "$DEMO_USER_PASSWORD" "$dn"
        echo "Password set for $dn"
    done
