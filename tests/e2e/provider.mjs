// A real OpenID provider for the end-to-end tests: the npm package oidc-provider (OpenID Certified),
// configured like the production Keycloak realm in what matters to the portal: RS256 ID tokens,
// PKCE required, access tokens of at most two minutes, refresh tokens, RP-initiated logout,
// realm roles at `realm_access.roles` and a `crm_user_id` claim.
//
// Configuration comes from the environment (see tests.support.processes.py). Accounts are read from
// E2E_ACCOUNTS_FILE on every lookup, so a test can change a person's roles at the provider while
// it runs. Its dev login form accepts any login name with any password; the login name is the
// subject. Prints "ready <issuer>" once it listens.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const port = Number(env('E2E_PROVIDER_PORT'));
const issuer = env('E2E_PROVIDER_ISSUER', `http://127.0.0.1:${port}`);
const accountsFile = env('E2E_ACCOUNTS_FILE');
const accessTokenTtl = Math.min(Number(env('E2E_ACCESS_TOKEN_TTL', '120')), 120);

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function accountClaims(subject) {
  const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
  const account = accounts[subject] ?? {};
  const claims = { sub: subject, email: account.email ?? `${subject}@people.example`, email_verified: true };
  claims.realm_access = { roles: account.roles ?? [] };
  if (account.crm_user_id !== undefined) claims.crm_user_id = account.crm_user_id;
  return claims;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('E2E_CLIENT_ID'),
      client_secret: env('E2E_CLIENT_SECRET'),
      redirect_uris: env('E2E_REDIRECT_URIS').split(','),
      post_logout_redirect_uris: env('E2E_POST_LOGOUT_REDIRECT_URIS').split(','),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: 'e2e-rs256', alg: 'RS256', use: 'sig' }] },
  claims: {
    openid: ['sub', 'crm_user_id', 'realm_access'],
    email: ['email', 'email_verified'],
  },
  async findAccount(ctx, subject) {
    return { accountId: subject, claims: async () => accountClaims(subject) };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    revocation: { enabled: true },
  },
  pkce: { required: () => true },
  // Like Keycloak: a refresh token for every code grant, valid while the provider session lives.
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 300,
    RefreshToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  cookies: { keys: ['e2e-only-cookie-signing-key'] },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
