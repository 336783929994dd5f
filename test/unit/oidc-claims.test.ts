import { describe, expect, it } from 'vitest';
import { claimValues } from '../../src/adapters/http/oidc-verifier.js';
import { authoritiesNamed } from '../../src/core/policy/authority.js';
import type { Policy } from '../../src/core/policy/schema.js';

describe('reading authorities from an OIDC roles claim', () => {
  it.each([
    ['an array (Entra ID app roles)', { roles: ['ON_CALL_SRE', 'Reader'] }, 'roles', ['ON_CALL_SRE', 'Reader']],
    ['a space-separated string', { roles: 'ON_CALL_SRE HUMAN_OPERATOR' }, 'roles', ['ON_CALL_SRE', 'HUMAN_OPERATOR']],
    ['a comma-separated string', { groups: 'ON_CALL_SRE,HUMAN_OPERATOR' }, 'groups', ['ON_CALL_SRE', 'HUMAN_OPERATOR']],
    ['a nested path (Keycloak realm roles)', { realm_access: { roles: ['EMERGENCY_OVERRIDE'] } }, 'realm_access.roles', ['EMERGENCY_OVERRIDE']],
    ['a namespaced claim whose name has dots (Auth0)', { 'https://chatops.example/roles': ['ON_CALL_SRE'] }, 'https://chatops.example/roles', ['ON_CALL_SRE']],
    ['a missing claim', { sub: 'x' }, 'roles', []],
    ['non-string values, which are ignored', { roles: ['ON_CALL_SRE', 7, { admin: true }] }, 'roles', ['ON_CALL_SRE']],
    ['a path through something that is not an object', { realm_access: 'roles' }, 'realm_access.roles', []],
  ])('takes %s', (_what, payload, claim, expected) => {
    expect(claimValues(payload, claim)).toEqual(expected);
  });

  it('keeps only names that are authorities of the policy, in policy order', () => {
    const policy = { authorities: { ON_CALL_SRE: {}, HUMAN_OPERATOR: {}, EMERGENCY_OVERRIDE: {} } } as unknown as Policy;
    expect(authoritiesNamed(policy, ['EMERGENCY_OVERRIDE', 'admin', 'ON_CALL_SRE', '__proto__'])).toEqual(['ON_CALL_SRE', 'EMERGENCY_OVERRIDE']);
  });
});
