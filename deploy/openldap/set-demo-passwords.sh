#!/bin/sh
# One-shot (ldap-demo-passwords service): give the demo directory users DEMO_USER_PASSWORD, so no
# password is ever committed. Safe to run again: it only sets passwords.
set -eu
base="dc=bionicpro,dc=example"
for uid in ivan.volkov.0011 nikolay.vasiliev.0012 support administrator; do
    ldappasswd -x -H ldap://openldap -D "cn=admin,$base" -w "$LDAP_ADMIN_PASSWORD" \
        -s "$DEMO_USER_PASSWORD" "uid=$uid,ou=people,$base"
done
echo "Demo directory passwords set."
