// The Google clients encode requests with protobufjs `fromObject`, which takes the *object* form of
// a message (Duration as `{ seconds, nanos }`, BoolValue as `{ value }`), while the files we ship
// are proto3 JSON (`"60s"`, `true`) so gcloud and the console accept them as they are. This walks
// the clients' own protos.json descriptors and rewrites the well-known types; everything else
// (enum names, strings, numbers) already means the same in both forms.
import { createRequire } from 'node:module';

interface FieldDescriptor {
  type: string;
  rule?: string;
  keyType?: string;
}

interface Descriptor {
  nested?: Record<string, Descriptor>;
  fields?: Record<string, FieldDescriptor>;
  values?: Record<string, number>;
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((name) => `google.protobuf.${name}`));

function lookup(root: Descriptor, fullName: string): Descriptor | undefined {
  let node: Descriptor | undefined = root;
  for (const part of fullName.split('.')) node = node?.nested?.[part];
  return node;
}

function toDuration(value: unknown, path: string): { seconds: string; nanos: number } {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) throw new Error(`${path}: expected a duration such as "60s", got ${JSON.stringify(value)}`);
  const sign = match[1] === '-' ? -1 : 1;
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return { seconds: `${match[1] ?? ''}${match[2]}`, nanos: sign * nanos };
}

function toTimestamp(value: unknown, path: string): { seconds: string; nanos: number } {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${path}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  const fraction = /\.(\d{1,9})/.exec(value as string)?.[1] ?? '';
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number(fraction.padEnd(9, '0')) };
}

export class ProtoJsonConverter {
  readonly #roots: Descriptor[];

  constructor(roots: Descriptor[]) {
    this.#roots = roots;
  }

  /** Loads the descriptors the Monitoring dashboards and alerting clients ship. */
  static forMonitoringClients(): ProtoJsonConverter {
    const require = createRequire(import.meta.url);
    return new ProtoJsonConverter([
      require('@google-cloud/monitoring-dashboards/build/protos/protos.json') as Descriptor,
      require('@google-cloud/monitoring/build/protos/protos.json') as Descriptor,
    ]);
  }

  /** `json` (proto3 JSON of `typeName`) in the object form the clients' `fromObject` takes. */
  convert(typeName: string, json: unknown): Record<string, unknown> {
    return this.#message(typeName, json, '$') as Record<string, unknown>;
  }

  #find(fullName: string): Descriptor | undefined {
    for (const root of this.#roots) {
      const found = lookup(root, fullName);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** protobufjs scoping: a type reference is looked up from the innermost enclosing scope outwards. */
  #resolve(reference: string, scope: string): string {
    const parts = scope.split('.');
    for (let length = parts.length; length >= 0; length--) {
      const candidate = [...parts.slice(0, length), reference].join('.');
      if (this.#find(candidate) !== undefined) return candidate;
    }
    throw new Error(`Unknown type ${reference} (from ${scope})`);
  }

  #message(typeName: string, value: unknown, path: string): unknown {
    if (typeName === 'google.protobuf.Duration') return toDuration(value, path);
    if (typeName === 'google.protobuf.Timestamp') return toTimestamp(value, path);
    if (WRAPPERS.has(typeName)) return { value };
    if (typeName.startsWith('google.protobuf.') && typeName !== 'google.protobuf.Empty') {
      throw new Error(`${path}: ${typeName} is not supported in dashboard and alert files`);
    }
    const descriptor = this.#find(typeName);
    if (descriptor?.fields === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${path}: expected an object of type ${typeName}, got ${JSON.stringify(value)}`);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const field = descriptor.fields[key];
      if (field === undefined) throw new Error(`${path}.${key}: unknown field of ${typeName}`);
      result[key] = this.#field(field, typeName, item, `${path}.${key}`);
    }
    return result;
  }

  #field(field: FieldDescriptor, scope: string, value: unknown, path: string): unknown {
    if (/^(double|float|u?int(32|64)|s?fixed(32|64)|sint(32|64)|bool|string|bytes)$/.test(field.type)) return value;
    const typeName = this.#resolve(field.type, scope);
    if (this.#find(typeName)?.values !== undefined) return value; // enums: names pass through
    if (field.keyType !== undefined) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, this.#message(typeName, item, `${path}.${key}`)]));
    }
    if (field.rule === 'repeated') {
      return (value as unknown[]).map((item, index) => this.#message(typeName, item, `${path}[${index}]`));
    }
    return this.#message(typeName, value, path);
  }
}
