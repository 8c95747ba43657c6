import type net from 'node:net';
import { Duplex } from 'node:stream';

/** How long a refused connection keeps reading after its last bytes, so they reach the client. */
const LINGER_MS = 2000;

/**
 * The raw socket as a stream whose destroy closes gracefully. TLS refuses a client with no
 * certificate only after the client has finished its handshake and begun its request; closing
 * the socket at once with that request unread makes the kernel reset the connection, and the
 * reset discards the alert before the client reads it. Ending, then reading and dropping what
 * still arrives, lets the client see "certificate required" as Envoy's clients do.
 */
export function lingeringSocket(raw: net.Socket): Duplex {
  const stream = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _encoding, done) {
      raw.write(chunk, done);
    },
    final(done) {
      raw.end();
      done();
    },
    destroy(err, done) {
      raw.end();
      raw.resume();
      setTimeout(() => raw.destroy(), LINGER_MS).unref();
      done(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (!stream.destroyed && !stream.push(chunk)) raw.pause();
  });
  raw.on('end', () => {
    if (!stream.destroyed) stream.push(null);
  });
  raw.on('error', (err) => stream.destroy(err));
  raw.on('close', () => stream.destroy());
  return stream;
}
