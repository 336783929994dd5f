import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on loopback in front of a store, which a test can freeze: while stalled, what
 * clients send is held back (nothing reaches the store, nothing is answered), as with a store that
 * hangs; `resume()` lets it through, as when the store comes back.
 */
export async function startStallingProxy(target: string) {
  const { hostname, port } = new URL(target);
  let stalled = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  let requests = 0;

  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      requests += 1;
      const send = () => upstream.write(chunk);
      if (stalled) held.push(send);
      else send();
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    /** Chunks clients have sent so far (held ones included): did anyone call the store? */
    requests: () => requests,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
