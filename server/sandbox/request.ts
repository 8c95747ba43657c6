import type { SandboxQueued } from '../protocol.ts';

/** Who asks for a sandbox: the page's own id (when it sends one) and the client's address. */
export interface SandboxRequester {
  client?: string;
  address: string;
}

/** POST /api/sandbox's answer: a sandbox (201 new, 200 the page's own again), a place in line (202), or a refusal. */
export type SandboxAnswer =
  | { status: 200 | 201; id: string; token: string }
  | ({ status: 202 } & SandboxQueued)
  | { status: 429 | 503; error: string; retryAfterSeconds?: number };
