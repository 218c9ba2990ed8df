import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * What the browser may do on our pages: scripts and connections only from this service, no
 * inline script, no framing, forms posting only here. Whatever an agent printed and a page
 * shows could therefore not run even if escaping failed somewhere.
 */
export const pageSecurityHeaders: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface PageParts {
  title: string;
  /** The page's own module under /ui/assets, if it has one. */
  script?: string;
  /** Stylesheets and classic scripts the page needs besides ours (the diff renderer). */
  extraStyles?: readonly string[];
  extraScripts?: readonly string[];
  /** Data for the page's script, as data- attributes of <main> (never inline script). */
  data?: Record<string, string>;
  signedIn: boolean;
  body: Html;
}

/** Every page's frame: header with navigation and log-out, the page's body, its scripts. Interpolations are escaped by `html`. */
export function pageShell(parts: PageParts): Html {
  const data = Object.entries(parts.data ?? {}).map(([name, value]) => html` data-${name}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${parts.title} · Kage Bunshin</title>
<link rel="icon" href="/ui/assets/icon.svg" type="image/svg+xml">
${(parts.extraStyles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="stylesheet" href="/ui/assets/ui.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/ui">Kage Bunshin</a>
  ${parts.signedIn
    ? html`<nav aria-label="Main"><a href="/ui">Tasks</a><a href="/ui/tasks/new">New task</a><a href="/ui/instances">Instances</a><a href="/docs">API</a></nav>
  <form method="post" action="/ui/logout" class="logout"><button type="submit" class="quiet">Log out</button></form>`
    : ''}
</header>
<main id="main"${data}>
${parts.body}
</main>
${(parts.extraScripts ?? []).map((src) => html`<script src="${src}"></script>`)}
${parts.script ? html`<script type="module" src="/ui/assets/${parts.script}"></script>` : ''}
</body>
</html>`;
}
