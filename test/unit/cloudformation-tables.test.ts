import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ScalarTag } from 'yaml';
import { tableDefinitions } from '../../src/adapters/stores/tables.js';

interface KeyElement {
  AttributeName: string;
  KeyType: string;
}

interface TableShape {
  TableName?: string;
  AttributeDefinitions?: { AttributeName: string; AttributeType: string }[];
  KeySchema?: KeyElement[];
  GlobalSecondaryIndexes?: { IndexName?: string; KeySchema?: KeyElement[]; Projection?: { ProjectionType?: string } }[];
}

/** `!Sub '${TablePrefix}incidents'` with the stack's default prefix. */
const sub: ScalarTag = { tag: '!Sub', resolve: (value: string) => value.replace('${TablePrefix}', 'chatops-') };
/** `!Ref TableName` (the Outputs), kept as the name it refers to. */
const ref: ScalarTag = { tag: '!Ref', resolve: (value: string) => value };

/** The parts of a table the bot depends on: name, keys, attribute types, indexes and what they hold. */
function shape(table: TableShape) {
  return {
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: [...(table.AttributeDefinitions ?? [])].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
    GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, ProjectionType: index.Projection?.ProjectionType })),
  };
}

describe('manifests/cloudformation/tables.yaml', () => {
  const template = parse(readFileSync('manifests/cloudformation/tables.yaml', 'utf8'), { customTags: [sub, ref] }) as {
    Resources: Record<string, { Type: string; Properties: TableShape }>;
  };
  const deployed = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::DynamoDB::Table')
    .map((resource) => shape(resource.Properties));

  it('creates on AWS the same tables, keys and indexes the embedded store creates', () => {
    const embedded = tableDefinitions('chatops-').map((definition) => shape(definition as TableShape));
    const byName = (a: { TableName?: string }, b: { TableName?: string }) => String(a.TableName).localeCompare(String(b.TableName));
    expect(deployed.sort(byName)).toEqual(embedded.sort(byName));
  });
});
