// A real OpenID Connect provider for tests/web/test_web_oidc.py: panva's oidc-provider (certified by the
// OpenID Foundation), with its development login form (any login, any password: the login becomes the `sub`).
//
// Configured by the test through the environment:
//   OIDC_FD                        a listening socket the test holds (inherited): the port is never raced for
//   OIDC_ISSUER                    http://127.0.0.1:<that socket's port>
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_POST_LOGOUT_REDIRECT_URI   the platform as a client
// Prints "ready <issuer>" once it accepts connections.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.js: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

// A signing key of its own, made at start: nothing published in a repository signs the test's ID tokens.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const provider = new Provider(env('OIDC_ISSUER'), {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    client_secret: env('OIDC_CLIENT_SECRET'),
    redirect_uris: [env('OIDC_REDIRECT_URI')],
    post_logout_redirect_uris: [env('OIDC_POST_LOGOUT_REDIRECT_URI')],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // Authorization code with PKCE only, S256 only.
  pkce: { required: () => true, methods: ['S256'] },
  jwks: { keys: [signing] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // Every login is an account whose subject is the login typed.
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id }; } };
  },
  // The platform is the province's own application: no consent screen (the usual first-party set-up).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid');
    await grant.save();
    return grant;
  },
});

const server = provider.listen({ fd: Number(env('OIDC_FD')) }, () => {
  console.log(`ready ${env('OIDC_ISSUER')}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
