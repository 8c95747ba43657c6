import http from 'node:http';

/**
 * productpage through a gateway at `gatewayUrl`: a warm-up of `warmup` pages, then 8
 * concurrent keep-alive clients for `seconds`; resolves with the pages served per second.
 */
export async function productpagesPerSecond(gatewayUrl: string, opts: { warmup: number; seconds: number }): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${gatewayUrl}/productpage`, { agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  try {
    for (let i = 0; i < opts.warmup; i++) await get();
    let done = 0;
    const started = performance.now();
    const until = started + opts.seconds * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await get();
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
  }
}
