// A worker thread starts without the deck's TypeScript loader (vitest's, or tsx's once
// execArgv is cleared), so it registers tsx itself before loading the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./cluster-worker.ts');
