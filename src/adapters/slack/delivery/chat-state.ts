import { createHash } from 'node:crypto';
import type { ChatBlocks } from './chat-blocks.js';
import type { MessageKey } from './slack-api.js';

/** One message the bot keeps up to date (the root, a proposal's plan and buttons). */
export interface TrackedMessage {
  ts?: string;
  /**
   * Set in the store just before the message is posted, cleared once its ts is known. If it is
   * still set when delivery resumes (a crash, a 5xx, a timeout), Slack may hold the message
   * already: it is looked for by its metadata before it is posted again.
   */
  postingSince?: string;
  /** Digest of the content last shown, so an update goes out only when something changed. */
  hash?: string;
  /** Slack refused it (channel_not_found, not_in_channel…): audited once, tried again after a while. */
  refused?: string;
  refusedAt?: string;
}

/** Charts of an incident still to upload (chart-upload.ts), so a restart carries on. */
export interface ChartsState {
  /** Seqs of PromQL records whose thread line is posted and whose chart is not yet in the thread. */
  due: number[];
  /** The share of `due[0]` once started: if its outcome was lost, it is looked for before sharing again. */
  sharing?: { seq: number; fileId: string; since: string };
}

/** How far an incident's (or the CONTROLS partition's) chat has got. Stored as `chat#<id>`. */
export interface ChatState {
  channel: string;
  root: TrackedMessage;
  /** Thread lines (announcements, for CONTROLS) shown up to this audit seq. */
  threadSeq: number;
  /** Messages of proposals that waited for approval, by proposal id. */
  proposals: Record<string, TrackedMessage>;
  charts?: ChartsState;
}

export function emptyChatState(channel: string): ChatState {
  return { channel, root: {}, threadSeq: 0, proposals: {} };
}

export function digest(message: ChatBlocks): string {
  return createHash('sha256').update(JSON.stringify(message)).digest('hex').slice(0, 24);
}

export const rootKey = (incidentId: string): MessageKey => ({ eventType: 'chatops_incident', payload: { incident_id: incidentId } });
export const proposalKey = (proposalId: string): MessageKey => ({ eventType: 'chatops_proposal', payload: { proposal_id: proposalId } });
export const linesKey = (incidentId: string, lastSeq: number): MessageKey => ({ eventType: 'chatops_steps', payload: { incident_id: incidentId, last_seq: String(lastSeq) } });

/** A time as Slack's `oldest` takes it (epoch seconds), a minute early for clocks that differ. */
export function slackOldest(iso: string): string {
  return (Date.parse(iso) / 1000 - 60).toFixed(6);
}
