#!/usr/bin/env node
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { plainHttpRefusal, readTlsFiles, TlsError } from './api/listen-security.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { runMigrations } from './db/migrations.ts';
import { openDb } from './db/open-db.ts';
import { createLogger } from './logger.ts';
import { SandboxUnavailable } from './sandbox/sandbox.ts';
import { createServices } from './services.ts';
import { startTracing } from './tracing/tracing-sdk.ts';
import { whereToGo } from './web/where-to-go.ts';

/** `kage-bunshin` (serve, the default) or `kage-bunshin migrate`. */
async function main(command: string | undefined): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  if (command === 'migrate') {
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await runMigrations(db);
      logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
    } finally {
      await db.close();
    }
    return;
  }
  if (command !== undefined && command !== 'serve') throw new ConfigError([`unknown command "${command}"; use serve or migrate`]);

  // Before anything is opened or generated: a second instance must not print a new key and die.
  const refusal = plainHttpRefusal(config);
  if (refusal) throw new StartupError(refusal);
  const tls = config.tls ? readTlsFiles(config.tls) : undefined;
  await assertPortFree(config.host, config.port);
  // Before the services: the queue asks at its construction whether to trace its jobs.
  const tracing = await startTracing(process.env, logger);
  const services = await createServices(config, logger);
  if (services.generatedApiKey) {
    // Printed once, to the terminal only: it is in <data dir>/api-key from now on.
    process.stdout.write(`\nGenerated an API key (stored in ${config.dataDir}/api-key):\n\n  ${services.generatedApiKey}\n\n`);
  }
  await services.start();
  const listening = (info: { port: number }) => {
    // Where the pages, the docs and the generated key are: in the log, and readable at a terminal.
    const where = whereToGo(tls ? 'https' : 'http', config.host, info.port, config.apiKeys.length === 0 ? join(config.dataDir, 'api-key') : undefined);
    logger.info({ ...where.fields, database: services.db.kind, dataDir: config.dataDir }, 'Kage Bunshin listening');
    if (process.stdout.isTTY) process.stdout.write(where.text);
  };
  const base = { fetch: services.app.fetch, port: config.port, hostname: config.host };
  const server = tls ? serve({ ...base, createServer: createHttpsServer, serverOptions: tls }, listening) : serve(base, listening);

  let stopping = false;
  const stopNow = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    // Open SSE streams would keep close() waiting forever.
    server.close();
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    // What still runs is handed back to the queue (another instance, or this one's successor, takes it).
    await services.stop();
    // The spans still buffered go out before the process ends.
    await tracing.shutdown();
    logger.info('stopped');
    process.exit(0);
  };
  // The first SIGTERM drains (the HTTP server keeps answering meanwhile); a second stops at once.
  const onSignal = (signal: string) => {
    if (services.draining) return void stopNow(`${signal} while draining`);
    logger.info({ signal }, `draining; send ${signal} again to stop at once`);
    void services.drain(signal);
  };
  // However the drain was asked for (a signal, POST /api/v1/admin/drain), the process ends after it.
  void services.drained.then(() => stopNow('drained'));
  // A promise rejected with nobody waiting (a bug, or a fault in a library) must not take the
  // service and every running agent down: log it and go on.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // Renewed certificates are picked up without a restart; connections already open keep theirs.
  process.on('SIGHUP', () => {
    if (!config.tls) return logger.info('SIGHUP: nothing to reload (no KAGE_TLS_CERT)');
    try {
      (server as HttpsServer).setSecureContext(readTlsFiles(config.tls));
      logger.info({ cert: config.tls.certPath }, 'SIGHUP: TLS certificate reloaded');
    } catch (error) {
      logger.error({ err: error }, 'SIGHUP: could not reload the TLS certificate; serving the previous one');
    }
  });
}

/** Fails with one clear line when another program already listens on the port. */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new StartupError(`port ${port} on ${host} is in use (another Kage Bunshin?); stop it or set PORT`) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** A reason not to start that needs no stack trace. */
class StartupError extends Error {}

main(process.argv[2]).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError || error instanceof TlsError || error instanceof DataDirLockedError || error instanceof SandboxUnavailable) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`kage-bunshin failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
