import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotSink } from '../../services/snapshot.js';

/** Snapshots as files under a folder; written to a temp name and renamed, so a reader never sees half a file. */
export function createFolderSnapshotSink(folder: string): SnapshotSink {
  return {
    async write(name, body) {
      await mkdir(folder, { recursive: true });
      const file = path.join(folder, name);
      await writeFile(`${file}.tmp`, body, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      return file;
    },
  };
}
