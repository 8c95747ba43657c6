/**
 * A routing slide's two tabs, as istio.io shows a task: "Istio APIs" and "Gateway API". The tab
 * shown is the presenter's choice for the whole talk; an attendee may look at the other one here
 * without changing anything for anyone. Only the shown tab's panels are mounted, so the editor,
 * the command cards and the resource panels are the chosen API's.
 */
import { Children, isValidElement, type ReactElement, type ReactNode } from 'react';
import { ROUTING_API_LABELS, ROUTING_APIS_IN_ORDER, useRoutingApi, type RoutingApi } from '../live/routing-api.ts';

export interface ApiTabProps {
  api: RoutingApi;
  /** Shown above the tab's content: what this API cannot do, and what the tab uses instead. */
  note?: string;
  children?: ReactNode;
}

/** One tab's content; only meaningful inside ApiTabs. */
export function ApiTab({ children }: ApiTabProps) {
  return <>{children}</>;
}

export function ApiTabs({ children }: { children: ReactNode }) {
  const { shown, shared, drives, choose } = useRoutingApi();
  const tabs = Children.toArray(children).filter((c): c is ReactElement<ApiTabProps> => isValidElement<ApiTabProps>(c) && typeof c.props.api === 'string');
  const active = tabs.find((t) => t.props.api === shown) ?? tabs[0];
  return (
    <div className="api-tabs" data-api-shown={shown}>
      <div className="api-tabs-bar deck-keys-own" role="tablist" aria-label="Routing API">
        {ROUTING_APIS_IN_ORDER.map((api) => (
          <button
            key={api}
            type="button"
            role="tab"
            className="api-tab"
            aria-selected={api === shown}
            data-api={api}
            title={drives ? `Show every routing slide in the ${ROUTING_API_LABELS[api]}, for everyone (A)` : `Look at the ${ROUTING_API_LABELS[api]} tab here; the presenter's choice is unchanged`}
            onClick={() => choose(api)}
          >
            {ROUTING_API_LABELS[api]}
          </button>
        ))}
        {shown !== shared && (
          <span className="api-tabs-local" data-local-look>
            only here: the presenter shows the {ROUTING_API_LABELS[shared]}
          </span>
        )}
      </div>
      <div className="api-tab-panel" role="tabpanel" data-api={active?.props.api}>
        {active?.props.note && <p className="api-tab-note">{active.props.note}</p>}
        {active}
      </div>
    </div>
  );
}
