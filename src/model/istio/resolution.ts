/** A ServiceEntry's resolution, read once for rules, schema checks and the simulator. */
import { get, type Resource } from '../resource.js';

/** `spec.resolution`, NONE when unset (the proto default, networking/v1 ServiceEntry.Resolution). */
export function serviceEntryResolution(se: Resource): string {
  return String(get(se.body, ['spec', 'resolution']) ?? 'NONE');
}

/** Whether the entry is not resolved at all: the connection goes where the client dialled it. */
export const hasResolutionNone = (se: Resource): boolean => serviceEntryResolution(se) === 'NONE';
