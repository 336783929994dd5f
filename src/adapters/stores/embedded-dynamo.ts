import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { closeLevelIteratorsOnReturn } from './level-iterator-close.js';

export interface EmbeddedDynamo {
  /** http://127.0.0.1:<port>, for createDocumentClient's `endpoint`. */
  endpoint: string;
  /** Stops listening and closes the database (releasing its folder lock). */
  close(): Promise<void>;
}

/**
 * Runs dynalite in this process on a random loopback port: never on a public interface, since
 * it has no authentication. With `dataDir` the data lives in LevelDB there and survives a
 * restart; without it everything is in memory (tests).
 */
export async function startEmbeddedDynamo({ dataDir }: { dataDir?: string } = {}): Promise<EmbeddedDynamo> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  closeLevelIteratorsOnReturn();
  // Tables are created at start-up and must be usable at once, not after dynalite's simulated 500 ms.
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Requests still being answered when the database closes fail inside dynalite with "Database is
  // closed", outside any caller; so close() first waits (briefly) for them to finish.
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (let waited = 0; inFlight > 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of our own SDK clients would otherwise hold close() open.
        server.closeIdleConnections();
      });
    },
  };
}
