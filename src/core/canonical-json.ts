/**
 * JSON with object keys sorted at every level, so equal values always hash the same. Written out
 * in one pass, it is exactly the text the audit hashes were always taken over: `JSON.stringify` of
 * a copy built with its keys inserted sorted (undefined members left out, undefined array items as
 * null). Such a copy lists integer-like keys first, in numeric order (JavaScript's property order),
 * and so does this.
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) items.push(write(value[i]) ?? 'null');
        return `[${items.join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of keyOrder(Object.keys(record))) {
        const text = write(record[key]);
        if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      // undefined, functions and symbols: left out, as JSON leaves them out.
      return undefined;
  }
}

/** Keys JavaScript orders as array indices: "0", "7", "10", up to 2^32 − 2. */
const isIndex = (key: string) => /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;

function keyOrder(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some(isIndex)) return sorted;
  const indexes = sorted.filter(isIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...sorted.filter((k) => !isIndex(k))];
}
