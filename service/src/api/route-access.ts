/**
 * Who may call a route, declared where the route is defined: `...needs('tasks:read')` in its
 * `createRoute` gives the OpenAPI security and a marker the scope check reads. The check fails
 * closed: a request whose route declares no scope needs `admin`, and the API refuses to start
 * with such a route (assertEveryRouteDeclaresScope), so a new route is closed until someone
 * decides who may call it.
 */
import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Scope } from '../access/scopes.ts';
import { security } from './schemas/route-parts.ts';

const declared = new WeakMap<object, Scope>();

/** A route's access, spread into its createRoute: the scope it needs and how callers prove it. */
export function needs(scope: Scope): { security: typeof security; middleware: [MiddlewareHandler] } {
  const marker: MiddlewareHandler = async (_c, next) => next();
  declared.set(marker, scope);
  return { security, middleware: [marker] };
}

/** The scope the request's route declared; `admin` when it declared none. */
export function scopeOfRequest(c: Context): Scope {
  for (const route of matchedRoutes(c)) {
    const scope = declared.get(route.handler);
    if (scope) return scope;
  }
  return 'admin';
}

/** Each route of `app` with the scope it declared (none: undefined), `:name` for path parameters. */
export function declaredScopes<E extends Env>(app: Hono<E>): Array<{ method: string; path: string; scope: Scope | undefined }> {
  const routes = new Map<string, { method: string; path: string; scope: Scope | undefined }>();
  for (const route of app.routes) {
    // Middleware added with use() applies to many routes; it declares nothing.
    if (route.method === 'ALL') continue;
    const key = `${route.method} ${route.path}`;
    const entry = routes.get(key) ?? { method: route.method, path: route.path, scope: undefined };
    entry.scope ??= declared.get(route.handler);
    routes.set(key, entry);
  }
  return [...routes.values()];
}

/** Throws naming every route of `app` whose definition declares no scope. */
export function assertEveryRouteDeclaresScope<E extends Env>(app: Hono<E>): void {
  const undeclared = declaredScopes(app)
    .filter((route) => route.scope === undefined)
    .map((route) => `${route.method} ${route.path}`);
  if (undeclared.length > 0) throw new Error(`Routes without a declared scope (add ...needs(scope) to their createRoute): ${undeclared.join(', ')}`);
}
