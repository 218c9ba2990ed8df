import type { Context, Env, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { SESSION_COOKIE } from '../api/middleware/api-key-auth.ts';
import { authFailuresOf, clientAddress } from '../api/middleware/rate-limit.ts';
import { requireSameOrigin } from '../api/middleware/same-origin.ts';
import { servedOverHttps as requestOverHttps } from '../api/request-protocol.ts';
import type { KeyRing } from '../access/key-ring.ts';
import type { BrowserSessions } from '../access/browser-sessions.ts';
import { pageSecurityHeaders, pageShell } from './page-shell.ts';

interface LoginDeps {
  sessions: BrowserSessions;
  publicUrl: string;
  trustProxy?: boolean | undefined;
  signedIn(c: Context): Promise<boolean>;
}

/** Log in with an API key (a form post: the key goes nowhere but this request) and log out. */
export function registerLoginRoutes<E extends Env>(app: Hono<E>, keys: KeyRing, deps: LoginDeps): void {
  app.get('/ui/login', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (await deps.signedIn(c)) return c.redirect(next, 303);
    return c.html(loginPage(next), 200, pageSecurityHeaders);
  });

  const failures = authFailuresOf(keys);
  app.post('/ui/login', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    requireSameOrigin(c, deps.publicUrl);
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    // Wrong keys here count with wrong keys sent to the API (rate-limit.ts); a locked-out address is not even checked.
    const address = clientAddress(c);
    const retryAfter = address === undefined ? undefined : failures.lockedFor(address);
    if (retryAfter !== undefined) {
      const problem = `Too many failed logins from your address. Try again in ${retryAfter} seconds.`;
      return c.html(loginPage(next, problem), 429, { ...pageSecurityHeaders, 'Retry-After': String(retryAfter) });
    }
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const id = key ? (await keys.bySecret(key))?.keyId : undefined;
    if (key && !id && address !== undefined) failures.failed(address);
    if (!id) return c.html(loginPage(next, key ? 'That is not an API key this service accepts.' : 'Enter an API key.'), 401, pageSecurityHeaders);
    const session = await deps.sessions.open(id);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: servedOverHttps(c, deps.publicUrl, deps.trustProxy ?? false),
      path: '/',
      expires: session.expiresAt,
    });
    return c.redirect(next, 303);
  });

  app.post('/ui/logout', async (c) => {
    requireSameOrigin(c, deps.publicUrl);
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await deps.sessions.close(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: servedOverHttps(c, deps.publicUrl, deps.trustProxy ?? false) });
    return c.redirect('/ui/login', 303);
  });
}

/** Where to go after logging in: one of our pages, never another site (`//host`, `/\host`). */
function safeNext(next: string | undefined): string {
  return next && /^\/ui(\/[\w-]+)*$/.test(next) ? next : '/ui';
}

function servedOverHttps(c: Context, publicUrl: string, trustProxy: boolean): boolean {
  return publicUrl.startsWith('https:') || requestOverHttps(c, trustProxy);
}

function loginPage(next: string, problem?: string) {
  return pageShell({
    title: 'Log in',
    signedIn: false,
    body: html`<div class="login">
<h1>Log in</h1>
<p>Use one of this service's API keys (<code>API_KEYS</code>, or the key it generated into its data folder). The page keeps only a session cookie, for 12 hours.</p>
<form method="post" action="/ui/login" class="form">
  <input type="hidden" name="next" value="${next}">
  <label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required autofocus${problem ? html` aria-invalid="true" aria-describedby="login-problem"` : ''}>
  ${problem ? html`<p id="login-problem" class="problem">${problem}</p>` : ''}
  <button type="submit">Log in</button>
</form>
</div>`,
  });
}
