/**
 * Keyboard mapping for human play: arrow keys and space are matched to an env's discrete actions
 * by their names, so one page plays Catch (`left`/`stay`/`right`), bsuite Catch and every
 * MinAtar game (`n`/`l`/`u`/`r`/`d`/`f` or spelled-out names) without per-game tables.
 *
 * Pure module, bundled into the page and used by `tfgym play` to refuse envs it cannot map.
 */

/** Keys the viewer binds, as `KeyboardEvent.key` values (space is `' '`). */
export type PlayKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | ' ';

/** Which action each bound key triggers, and the action taken while no key is held. */
export interface KeyMap {
  readonly keys: Readonly<Partial<Record<PlayKey, number>>>;
  /** Action while nothing is held (`noop`/`stay`), or null when the env has none. */
  readonly idle: number | null;
}

// Aliases by role; names are compared lower-cased with separators removed.
const ROLES: ReadonlyArray<[PlayKey | 'idle', readonly string[]]> = [
  ['ArrowLeft', ['left', 'l', 'moveleft']],
  ['ArrowRight', ['right', 'r', 'moveright']],
  ['ArrowUp', ['up', 'u', 'moveup']],
  ['ArrowDown', ['down', 'd', 'movedown']],
  [' ', ['fire', 'f', 'shoot', 'space', 'jump']],
  ['idle', ['noop', 'n', 'stay', 'none', 'nothing', 'idle', 'wait']],
];

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

/** Builds the key map for a list of action names (index = action). */
export function keyMapFor(actionNames: readonly string[]): KeyMap {
  const keys: Partial<Record<PlayKey, number>> = {};
  let idle: number | null = null;
  actionNames.forEach((raw, action) => {
    const name = normalise(raw);
    for (const [role, aliases] of ROLES) {
      if (!aliases.includes(name)) continue;
      if (role === 'idle') idle ??= action;
      else if (keys[role] === undefined) keys[role] = action;
    }
  });
  return { keys, idle };
}

/** The action for the held keys: the most recently pressed bound key wins, else the idle action. */
export function actionForHeld(map: KeyMap, heldNewestLast: readonly string[]): number | null {
  for (let i = heldNewestLast.length - 1; i >= 0; i--) {
    const a = map.keys[heldNewestLast[i] as PlayKey];
    if (a !== undefined) return a;
  }
  return map.idle;
}
