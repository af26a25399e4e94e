// A real OpenID provider for the tests, on 127.0.0.1 (node server.js CONFIG.json).
//
// CONFIG.json: {"port": N, "issuer": "http://127.0.0.1:N", "jwks": {"keys": [private JWK]}}.
// The tests give it their own signing key so they can also craft tokens the app must refuse.
// Clients register themselves (dynamic registration, RFC 7591). There is no login form: the
// interaction signs in the account named by the authorisation request's login_hint, whose
// email is that hint, verified unless its local part starts with "unverified".
import fs from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const provider = new Provider(config.issuer, {
  jwks: config.jwks,
  cookies: { keys: ['countersign-test-provider-cookies'] },
  pkce: { required: () => true, methods: ['S256'] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Put the scope's claims (email, email_verified) in the ID token itself, as Google and Entra do.
  conformIdTokenClaims: false,
  ttl: { IdToken: config.id_token_seconds || 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const local = id.split('@')[0];
        return { sub: id, email: id, email_verified: !local.startsWith('unverified'), name: local };
      },
    };
  },
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match || ctx.method !== 'GET') return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.params.login_hint;
  if (!accountId) {
    ctx.status = 400;
    ctx.body = 'this test provider needs a login_hint';
    return undefined;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const to = await provider.interactionResult(ctx.req, ctx.res,
    { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(to);
  return undefined;
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
