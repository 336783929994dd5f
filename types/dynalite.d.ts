/**
 * dynalite ships no types. Only the options this project uses are declared; see the JSDoc in
 * node_modules/dynalite/index.js for the rest (verbose, debug, ssl, key, cert, ca).
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  export interface DynaliteOptions {
    /** LevelDB folder; in memory when omitted. */
    path?: string;
    /** How long a new table stays CREATING (default 500 ms). */
    createTableMs?: number;
    /** How long a deleted table stays DELETING (default 500 ms). */
    deleteTableMs?: number;
    /** How long an updated table stays UPDATING (default 500 ms). */
    updateTableMs?: number;
    /** Largest item accepted (default 400, as on AWS). */
    maxItemSizeKb?: number;
  }

  /** Builds (does not start) an HTTP server speaking the DynamoDB API; `close()` also closes the database. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
