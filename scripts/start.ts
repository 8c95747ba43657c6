/** `npm start`: build the client if needed, then run the deck server in this process. */
import { buildClientIfStale } from './build-if-stale.ts';

await buildClientIfStale();
await import('../server/main.ts');
