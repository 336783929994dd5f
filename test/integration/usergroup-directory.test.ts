import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createUsergroupDirectory } from '../../src/adapters/slack/usergroup-directory.js';
import { createSlackWebClient } from '../../src/adapters/slack/web-client.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import type { FakeSlackApi } from '../fakes/fake-slack-api.js';

const log = pino({ level: 'silent' });

describe('Slack user group membership', () => {
  let slack: FakeSlackApi;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    slack.setUsergroup('S01ABCDEF', ['U07MEMBER']);
  });
  afterAll(async () => slack.close());

  it('finds a member, asks Slack once a minute per group, and treats a group Slack cannot list as empty without asking again', async () => {
    let now = 0;
    const groupsOf = createUsergroupDirectory({ client: createSlackWebClient({ token: 'xoxb-test', apiUrl: slack.url, log }), groups: ['S01ABCDEF', 'S0MISSING'], log, now: () => now });
    expect(await groupsOf('U07MEMBER')).toEqual(['S01ABCDEF']);
    expect(await groupsOf('U09OTHER')).toEqual([]);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);
    now += 61_000;
    await groupsOf('U07MEMBER');
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(4);
  });
});
