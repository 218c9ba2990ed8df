// Loaded with `node --import` into a service process: appends to KAGE_TEST_MODULE_LOG the URL of
// every module it resolves whose path names OpenTelemetry or the service's tracing room, so a test
// can tell whether the OpenTelemetry SDK was loaded at all.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.KAGE_TEST_MODULE_LOG;
if (file) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (/opentelemetry|\/tracing\//.test(resolved.url)) appendFileSync(file, `${resolved.url}\n`);
      return resolved;
    },
  });
}
