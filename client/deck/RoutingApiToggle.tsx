/**
 * The presenter's routing API in the status bar: one click (or the A key) switches every routing
 * slide, for every attendee, for the rest of the talk. An attendee sees which API the talk is in.
 */
import { ROUTING_API_LABELS, ROUTING_APIS_IN_ORDER, useRoutingApi } from '../live/routing-api.ts';

export function RoutingApiToggle() {
  const { shared, drives, choose } = useRoutingApi();
  if (!drives) {
    return (
      <span className="deck-status-label" data-routing-api={shared}>
        routing: {ROUTING_API_LABELS[shared]}
      </span>
    );
  }
  return (
    <span className="deck-status-group routing-api-toggle" role="group" aria-label="Routing API for the talk" data-routing-api={shared}>
      {ROUTING_APIS_IN_ORDER.map((api) => (
        <button
          key={api}
          type="button"
          className={`deck-status-button${api === shared ? ' is-primary' : ''}`}
          aria-pressed={api === shared}
          data-api={api}
          title={`Show every routing slide in the ${ROUTING_API_LABELS[api]}, for everyone (key A switches)`}
          onClick={() => choose(api)}
        >
          {ROUTING_API_LABELS[api]}
        </button>
      ))}
    </span>
  );
}
