/**
 * Whether a file of the shared datasets (`../shared/datasets`, cloned beside the repo) is there.
 * Outside CI a missing file skips its tests with a logged reason; under CI (`CI=true`, where the
 * shared folder is always present) it is an error, never a silent skip.
 */
import { existsSync } from 'node:fs';

export function sharedDataset(path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env['CI'] === 'true') throw new Error(`shared dataset ${path} is absent under CI`);
  console.warn(`skipping: shared dataset ${path} is absent (clone shared/ beside the repo)`);
  return false;
}
