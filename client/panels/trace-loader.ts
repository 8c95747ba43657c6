import { useEffect, useRef, useState } from 'react';
import type { JaegerResponse, JaegerTrace } from '../../server/protocol.ts';
import { api, errorText } from '../live/api.ts';

export type LoadedTrace = { id: string; trace: JaegerTrace } | { id: string; error: string };

/**
 * The timeline to show for `traceID`. The panel follows the newest trace, which changes
 * several times a second under demo traffic; starting a fresh fetch (and blanking the view)
 * at each change meant a slow machine never finished one, and the panel said "Loading" for
 * good. So: one fetch at a time, the last loaded trace stays on screen until the next one
 * arrives, and when a fetch ends the newest wanted trace is fetched next.
 */
export function useTraceDetail(traceID: string): LoadedTrace | undefined {
  const [shown, setShown] = useState<LoadedTrace>();
  const wanted = useRef(traceID);
  const busy = useRef(false);
  const mounted = useRef(true);
  wanted.current = traceID;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    const pump = () => {
      if (busy.current || !mounted.current) return;
      const id = wanted.current;
      busy.current = true;
      fetchTrace(id)
        .then((loaded) => mounted.current && setShown(loaded))
        .finally(() => {
          busy.current = false;
          if (mounted.current && wanted.current !== id) pump();
        });
    };
    if (shown?.id !== traceID) pump();
    // `shown` is left out on purpose: a finished fetch must not start another for the same id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [traceID]);

  return shown;
}

async function fetchTrace(id: string): Promise<LoadedTrace> {
  try {
    // Jaeger's query API wraps traces as { data: [trace] }; accept a bare trace too.
    const r = await api<Partial<JaegerResponse<JaegerTrace[]>> & Partial<JaegerTrace>>(`/api/traces/${encodeURIComponent(id)}`);
    const found = r.data?.[0] ?? (Array.isArray(r.spans) ? (r as JaegerTrace) : undefined);
    return found ? { id, trace: found } : { id, error: 'trace not found' };
  } catch (e) {
    return { id, error: errorText(e) };
  }
}
