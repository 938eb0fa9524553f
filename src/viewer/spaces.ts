/** Turns an env's spaces into the protocol's compact {@link SpaceInfo} (no per-element bounds). */
import type { Space } from '../core/env.js';
import type { SpaceInfo } from './protocol.js';
import { spaceToJSON } from '../core/spaces.js';

/** The compact description `hello` carries: type, shape, dtype and, for `Discrete`, `n`. */
export function spaceInfo(space: Space<unknown>): SpaceInfo {
  const j = spaceToJSON(space) as { type: string; shape: number[]; dtype: string; n?: number };
  return {
    type: j.type,
    shape: [...j.shape],
    dtype: j.dtype,
    ...(j.type === 'Discrete' && j.n !== undefined ? { n: j.n } : {}),
  };
}
