import { renameSync, writeFileSync } from 'node:fs';

/** Write to a temporary name, then rename: readers never see half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
