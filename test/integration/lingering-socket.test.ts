import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../server/embedded/apiserver/tls.ts';
import { lingeringSocket } from '../../server/embedded/mesh/lingering-socket.ts';

// A mutual-TLS port as the gateway serves it: the TLS server reads the raw socket through
// lingeringSocket. A client that sends its request at once, as curl does, must still read the
// server's "certificate required" alert rather than a reset connection.
describe('a mutual TLS port refusing a client with no certificate', () => {
  const material = generateTlsMaterial();
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), 'lingering-'));
  const caFile = join(dir, 'ca.crt');
  beforeAll(async () => {
    writeFileSync(caFile, material.caPem);
    const secure = http2.createSecureServer(
      { allowHTTP1: true, key: material.keyPem, cert: material.certPem, ca: material.caPem, requestCert: true, rejectUnauthorized: true },
      (_req, res) => res.end('served'),
    );
    secure.on('tlsClientError', () => {});
    server = net.createServer((raw) => {
      sockets.add(raw);
      raw.on('close', () => sockets.delete(raw));
      raw.on('error', () => {});
      secure.emit('connection', lingeringSocket(raw));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  // curl sends its request as soon as its handshake is done and reads only after: the order
  // in which a reset discards the alert.
  const attempt = () =>
    new Promise<string>((resolve) => {
      execFile('curl', ['-sS', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/status/418`], (_err, stdout, stderr) =>
        resolve(/alert certificate required/.test(stderr) ? 'alert' : (stderr || stdout).trim()),
      );
    });

  it('curl, 30 times without a certificate, reads the alert every time, never a reset', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) outcomes.push(await attempt());
    expect(outcomes.filter((o) => o !== 'alert')).toEqual([]);
  });
});
