import type { WebClient } from '@slack/web-api';
import type { ChatBlocks } from './chat-blocks.js';
import { classifySlackError } from '../slack-errors.js';

/**
 * What became of one Web API call:
 * - `ok`: Slack did it;
 * - `rate_limited`: Slack did nothing and asked to wait `retryAfterMs`;
 * - `unknown`: the request failed in a way that says nothing about the call (5xx, timeout, reset):
 *   a post may or may not be in the channel;
 * - `refused`: Slack refused the call itself (bad channel, bad blocks, missing scope): retrying the
 *   same call cannot help.
 */
export type SlackOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'unknown'; reason: string }
  | { kind: 'refused'; code: string };

/** Message metadata (Slack's `metadata` argument): how the bot finds its own messages again. */
export interface MessageKey {
  eventType: string;
  payload: Record<string, string>;
}

/** The Web API calls delivery makes; each answers an outcome and never throws. */
export interface SlackApi {
  post(channel: string, message: ChatBlocks, options: { threadTs?: string; key?: MessageKey }): Promise<SlackOutcome<{ ts: string }>>;
  update(channel: string, ts: string, message: ChatBlocks): Promise<SlackOutcome<void>>;
  /**
   * The ts of a message the bot posted with `key`, in the channel (or in the thread `threadTs`),
   * posted at or after `oldest` (Slack ts): how a post whose outcome is unknown is found again.
   */
  find(channel: string, key: MessageKey, options: { threadTs?: string; oldest: string }): Promise<SlackOutcome<string | undefined>>;
  /**
   * A file into a thread, Slack's current way: files.getUploadURLExternal, the bytes POSTed to the
   * URL it gives, then files.completeUploadExternal. `upload` does the first two and returns the
   * file id; `share` the last. Split so the share, the visible post, can be made exactly once.
   */
  upload(file: { filename: string; bytes: Uint8Array; altText: string }): Promise<SlackOutcome<{ fileId: string }>>;
  share(channel: string, threadTs: string, file: { fileId: string; title: string }): Promise<SlackOutcome<void>>;
  /** Whether the thread holds a message sharing `fileId` (a share whose outcome is unknown). */
  findFile(channel: string, threadTs: string, fileId: string, oldest: string): Promise<SlackOutcome<boolean>>;
}

async function call<T>(work: () => Promise<T>): Promise<SlackOutcome<T>> {
  try {
    return { kind: 'ok', value: await work() };
  } catch (err) {
    const verdict = classifySlackError(err);
    if (verdict.kind === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: verdict.retryAfterMs };
    if (verdict.kind === 'transient') return { kind: 'unknown', reason: verdict.reason };
    return { kind: 'refused', code: verdict.code };
  }
}

interface HistoryMessage {
  ts?: string;
  files?: { id?: string }[];
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** How many pages of history a lookup reads before it concludes the message is not there. */
const MAX_LOOKUP_PAGES = 10;

/**
 * SlackApi over a WebClient built by createSlackWebClient (no retries or queueing of its own:
 * delivery paces and retries every call itself).
 */
export function createSlackApi(client: WebClient, options: { fetch?: typeof fetch; uploadTimeoutMs?: number } = {}): SlackApi {
  const doFetch = options.fetch ?? fetch;
  return {
    post(channel, message, { threadTs, key }) {
      return call(async () => {
        const result = await client.apiCall('chat.postMessage', {
          channel,
          text: message.text,
          blocks: message.blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(key ? { metadata: { event_type: key.eventType, event_payload: key.payload } } : {}),
        });
        return { ts: String((result as { ts?: unknown }).ts ?? '') };
      });
    },
    update(channel, ts, message) {
      return call(async () => {
        await client.apiCall('chat.update', { channel, ts, text: message.text, blocks: message.blocks });
      });
    },
    find(channel, key, { threadTs, oldest }) {
      return call(async () => {
        let cursor: string | undefined;
        for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
          const args = { channel, oldest, inclusive: true, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) };
          const result = (await client.apiCall(threadTs ? 'conversations.replies' : 'conversations.history', threadTs ? { ...args, ts: threadTs } : args)) as {
            messages?: HistoryMessage[];
            response_metadata?: { next_cursor?: string };
          };
          const found = (result.messages ?? []).find(
            (m) => m.metadata?.event_type === key.eventType && Object.entries(key.payload).every(([k, v]) => m.metadata?.event_payload?.[k] === v),
          );
          if (found?.ts) return found.ts;
          cursor = result.response_metadata?.next_cursor || undefined;
          if (!cursor) return undefined;
        }
        return undefined;
      });
    },
    async upload({ filename, bytes, altText }) {
      const target = await call(async () => {
        const result = (await client.apiCall('files.getUploadURLExternal', { filename, length: bytes.byteLength, alt_txt: altText.slice(0, 1000) })) as { upload_url?: string; file_id?: string };
        return { uploadUrl: String(result.upload_url ?? ''), fileId: String(result.file_id ?? '') };
      });
      if (target.kind !== 'ok') return target;
      // The URL carries its own authorisation; the bytes go raw (Slack takes raw or multipart).
      try {
        const res = await doFetch(target.value.uploadUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: bytes,
          signal: AbortSignal.timeout(options.uploadTimeoutMs ?? 30_000),
        });
        await res.arrayBuffer();
        if (res.ok) return { kind: 'ok', value: { fileId: target.value.fileId } };
        if (res.status === 429) return { kind: 'rate_limited', retryAfterMs: Number(res.headers.get('retry-after') ?? '1') * 1000 };
        return res.status >= 500 ? { kind: 'unknown', reason: `upload HTTP ${res.status}` } : { kind: 'refused', code: `upload_http_${res.status}` };
      } catch (err) {
        return { kind: 'unknown', reason: `upload: ${(err as Error).message}` };
      }
    },
    share(channel, threadTs, { fileId, title }) {
      return call(async () => {
        await client.apiCall('files.completeUploadExternal', { files: [{ id: fileId, title }], channel_id: channel, thread_ts: threadTs });
      });
    },
    findFile(channel, threadTs, fileId, oldest) {
      return call(async () => {
        let cursor: string | undefined;
        for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
          const result = (await client.apiCall('conversations.replies', { channel, ts: threadTs, oldest, inclusive: true, limit: 200, ...(cursor ? { cursor } : {}) })) as {
            messages?: HistoryMessage[];
            response_metadata?: { next_cursor?: string };
          };
          if ((result.messages ?? []).some((m) => m.files?.some((f) => f.id === fileId))) return true;
          cursor = result.response_metadata?.next_cursor || undefined;
          if (!cursor) return false;
        }
        return false;
      });
    },
  };
}
