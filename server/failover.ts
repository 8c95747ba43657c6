/**
 * The speaker's safety net on a real cluster: while the real cluster's API stays unreachable
 * for a few seconds, the presenter is offered one switch to an embedded cluster (started
 * in-process on first use) brought to the current scene; once the real one answers again,
 * one switch back (brought to the current scene too). The active target is what every panel,
 * Run button, apply and the gateway proxy use.
 */
import type { ConnectedTarget } from './cluster-target.ts';
import type { ClusterSession } from './hub/cluster-session.ts';
import type { FailoverCluster, FailoverResponse, FailoverState, RoutingApi } from './protocol.ts';

export interface FailoverOptions {
  real: ConnectedTarget;
  /** Starts the embedded cluster and connects to it; called once, on the first switch to it. */
  startEmbedded: () => Promise<ConnectedTarget & { stopCluster(): Promise<void> }>;
  /** Brings a target to a scene in a routing API (a reset, as the scene buttons do). */
  bringToScene: (target: ConnectedTarget, scene: string, api: RoutingApi) => Promise<void>;
  /** Moves the sockets streaming from one session to another. */
  moveSockets: (from: ClusterSession, to: ClusterSession) => void;
  /** Answers when the real cluster's API answers; rejects when it cannot be reached. */
  probe: (target: ConnectedTarget) => Promise<void>;
  /** How long the real cluster must stay unreachable before the switch is offered. */
  unreachableAfterMs?: number;
  probeEveryMs?: number;
  /** A probe without an answer in this long counts as unreachable (a dropped network answers nothing). */
  probeTimeoutMs?: number;
}

/** A switch that cannot be made now: the HTTP status and the reason, in words. */
export class FailoverRefused extends Error {
  constructor(
    readonly status: 409,
    message: string,
  ) {
    super(message);
  }
}

export class Failover {
  private embedded?: ConnectedTarget & { stopCluster(): Promise<void> };
  private startingEmbedded?: Promise<ConnectedTarget & { stopCluster(): Promise<void> }>;
  private activeName: FailoverCluster = 'real';
  private reachable = true;
  private unreachableSince?: number;
  private switching?: FailoverCluster;
  private timer?: NodeJS.Timeout;
  private probing = false;
  private stopped = false;

  constructor(private readonly opts: FailoverOptions) {}

  get active(): ConnectedTarget {
    return this.activeName === 'embedded' && this.embedded ? this.embedded : this.opts.real;
  }

  get state(): FailoverState {
    const afterMs = this.opts.unreachableAfterMs ?? 5000;
    const longDown = this.unreachableSince !== undefined && Date.now() - this.unreachableSince >= afterMs;
    const offer: FailoverCluster | undefined = this.switching ? undefined : this.activeName === 'real' ? (longDown ? 'embedded' : undefined) : this.reachable ? 'real' : undefined;
    return {
      active: this.activeName,
      realCluster: this.opts.real.session.healthState.cluster,
      realReachable: this.reachable,
      ...(this.unreachableSince !== undefined ? { unreachableSince: new Date(this.unreachableSince).toISOString() } : {}),
      ...(offer ? { offer } : {}),
      ...(this.switching ? { switching: this.switching } : {}),
    };
  }

  start(): void {
    this.publish();
    const every = this.opts.probeEveryMs ?? 1000;
    this.timer = setInterval(() => void this.probeOnce(), every);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const embedded = this.embedded ?? (await this.startingEmbedded?.catch(() => undefined));
    if (embedded) {
      await embedded.close();
      await embedded.stopCluster();
    }
  }

  /**
   * Moves the deck to `to`, brought to `scene` (by default the last scene applied where the deck
   * is now) in the routing API the talk shows. Nothing moves unless the target reached the scene.
   */
  async switchTo(to: FailoverCluster, scene?: string): Promise<FailoverResponse> {
    if (this.switching) throw new FailoverRefused(409, `a switch to the ${this.switching} cluster is already under way`);
    if (to === this.activeName) throw new FailoverRefused(409, `the deck is already on the ${to} cluster`);
    if (to === 'real' && !this.reachable) throw new FailoverRefused(409, `the real cluster ${this.state.realCluster} is still unreachable: the deck stays on the embedded cluster`);
    const started = performance.now();
    const from = this.active;
    this.switching = to;
    this.publish();
    try {
      const target = to === 'real' ? this.opts.real : await this.embeddedTarget();
      const sceneName = scene ?? from.session.currentScene?.name;
      const api = from.session.routingApi;
      if (sceneName) await this.opts.bringToScene(target, sceneName, api);
      // The talk goes on where it was: the slide, the routing API and the scene travel with it.
      target.session.setRoutingApi(api);
      if (sceneName) target.session.setCurrentScene(sceneName);
      target.session.setPresenterPosition(from.session.presenterPosition);
      this.activeName = to;
      this.opts.moveSockets(from.session, target.session);
      return { active: to, ...(sceneName ? { scene: sceneName } : {}), api, ms: Math.round(performance.now() - started) };
    } finally {
      this.switching = undefined;
      this.publish();
    }
  }

  private embeddedTarget(): Promise<ConnectedTarget & { stopCluster(): Promise<void> }> {
    if (this.embedded) return Promise.resolve(this.embedded);
    this.startingEmbedded ??= this.opts.startEmbedded().then(
      (t) => {
        this.embedded = t;
        return t;
      },
      (err) => {
        this.startingEmbedded = undefined;
        throw err;
      },
    );
    return this.startingEmbedded;
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || this.stopped) return;
    this.probing = true;
    const timeoutMs = this.opts.probeTimeoutMs ?? 2000;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.opts.probe(this.opts.real),
        new Promise((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
      ]);
      this.reachable = true;
      this.unreachableSince = undefined;
    } catch {
      this.reachable = false;
      this.unreachableSince ??= Date.now();
    } finally {
      clearTimeout(timeout);
      this.probing = false;
    }
    if (!this.stopped) this.publish();
  }

  /** Both clusters' health carries the state, so every page reads it from the topic it already watches. */
  private publish(): void {
    const state = this.state;
    this.opts.real.session.setFailover(state);
    this.embedded?.session.setFailover(state);
  }
}
