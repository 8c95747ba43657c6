/** Every live panel the slides use; each loads its code when its slide comes near. */
import './panels.css';
import { lazyPanel } from './lazy.tsx';

export { preloadPanels } from './lazy.tsx';

export const PodsPanel = lazyPanel('pods', () => import('./PodsPanel.tsx').then((m) => m.PodsPanel));
export const ResourcePanel = lazyPanel('resource', () => import('./ResourcePanel.tsx').then((m) => m.ResourcePanel));
export const CommandCard = lazyPanel('command', () => import('./CommandCard.tsx').then((m) => m.CommandCard));
export const YamlEditor = lazyPanel('editor', () => import('./YamlEditor.tsx').then((m) => m.YamlEditor));
export const ProductPagePanel = lazyPanel('productpage', () => import('./ProductPagePanel.tsx').then((m) => m.ProductPagePanel));
export const TrafficSplitPanel = lazyPanel('traffic', () => import('./TrafficSplitPanel.tsx').then((m) => m.TrafficSplitPanel));
export const ServiceGraphPanel = lazyPanel('graph', () => import('./ServiceGraphPanel.tsx').then((m) => m.ServiceGraphPanel));
export const TracesPanel = lazyPanel('traces', () => import('./TracesPanel.tsx').then((m) => m.TracesPanel));
export const ProxyCostsPanel = lazyPanel('costs', () => import('./ProxyCostsPanel.tsx').then((m) => m.ProxyCostsPanel));
export const PreflightPanel = lazyPanel('preflight', () => import('./PreflightPanel.tsx').then((m) => m.PreflightPanel));
// The tabs are layout, not a live panel: they load with the slides.
export { ApiTab, ApiTabs } from './ApiTabs.tsx';
