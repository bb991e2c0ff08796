import { declaredControl, type ScenarioControl } from '../../runner/control.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { WebSocketConfigInput } from '../../stack/websocket/websocket-config.js';

/**
 * What a WebSocket scenario's negative control changes, as configuration: the gateway's
 * `websocket.limits`, or how the scenario's clients reconnect. Each key absent: as the scenario
 * built it.
 */
export interface WebSocketChange {
  /** Replaces the gateway's `websocket.limits` the scenario set. */
  readonly limits?: NonNullable<WebSocketConfigInput['limits']>;
  /** The session clients: `resume` false starts a new session on every reconnect; `jitter` false makes every client wait the same delay. */
  readonly clients?: { readonly resume?: boolean; readonly jitter?: boolean };
}

/** A negative control of a WebSocket scenario. */
export type WebSocketControl = ScenarioControl<WebSocketChange>;

/**
 * The change of the run's control (one of the scenario's `controls`); `{}` for the scenario itself.
 *
 * @throws UndeclaredControlError when `ctx.control` is not one of `controls`.
 */
export function webSocketChange(
  ctx: Pick<ScenarioContext, 'control'>,
  controls: readonly WebSocketControl[],
): WebSocketChange {
  return declaredControl(controls, ctx.control)?.stack ?? {};
}
