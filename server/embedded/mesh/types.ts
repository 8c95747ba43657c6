/** A request as it travels through the simulated data plane. Header names are lower case. */
export interface MeshRequest {
  method?: string;
  /** Absolute (`http://reviews:9080/reviews/0`) for in-mesh calls; a path for ingress calls. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Fires when the caller gives up (app timeout, client hung up). */
  signal?: AbortSignal;
}

/** A network-level failure the caller sees instead of an HTTP response (no sidecar to turn it into a 503). */
export class ConnectionError extends Error {
  constructor(readonly code: 'ECONNRESET' | 'ECONNREFUSED' | 'ENOTFOUND', message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}
