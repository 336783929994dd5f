export type AmPayload = { status: string; alerts: { status: string; startsAt: string; endsAt: string }[] };

/**
 * Alertmanager payloads as Alertmanager sends them over time: a firing starts an episode at `at`,
 * and its resolution keeps that episode's startsAt (the bot ignores a resolution of an older one).
 */
export function alertmanagerEpisodes(): (payload: AmPayload, status: 'firing' | 'resolved', at: Date) => AmPayload {
  let episodeStart = '';
  return (payload, status, at) => {
    const copy = structuredClone(payload);
    copy.status = status;
    if (status === 'firing') episodeStart = at.toISOString();
    for (const a of copy.alerts) {
      a.status = status;
      a.startsAt = episodeStart;
      a.endsAt = status === 'resolved' ? at.toISOString() : '0001-01-01T00:00:00Z';
    }
    return copy;
  };
}
