/**
 * Key layout of the resource table (see `tables.ts`).
 *
 * - `pk = "<type>/<id>"`: everything about one resource lives in one partition.
 * - `sk = "current"`: the current version (or a deletion marker).
 * - `sk = "v#<10-digit version>"`: each version, in order.
 * - `thPk = "<type>#<shard>"`, `thSk = "<lastUpdated>#<id>#<version>"`: the type-history
 *   index. Spreading one type over a few shards keeps a busy type (every Observation)
 *   from becoming one hot partition; readers merge the shards.
 */
import { TYPE_HISTORY_SHARDS } from './tables.ts';

export const CURRENT_SK = 'current';
export const VERSION_SK_PREFIX = 'v#';

export const resourcePk = (type: string, id: string): string => `${type}/${id}`;
export const versionSk = (version: number): string => `${VERSION_SK_PREFIX}${String(version).padStart(10, '0')}`;

/** A stable shard for an id (FNV-1a), so one resource's versions stay on one shard. */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % TYPE_HISTORY_SHARDS;
}

export const typeHistoryPk = (type: string, shard: number): string => `${type}#${shard}`;
export const typeHistorySk = (lastUpdated: string, id: string, version: number): string =>
  `${lastUpdated}#${id}#${String(version).padStart(10, '0')}`;
