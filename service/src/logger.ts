import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that looks like a credential is redacted wherever it appears. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'kage-bunshin' },
    redact: {
      // A failed query's parameters may hold secrets (a callback's whsec_): never log them.
      paths: [
        '*.apiKey',
        '*.secret',
        '*.token',
        '*.authorization',
        '*["x-api-key"]',
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'err.parameters',
        'err.params',
        'err.query',
      ],
      censor: '[redacted]',
    },
  });
}
