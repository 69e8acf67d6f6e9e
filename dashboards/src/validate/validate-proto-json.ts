// A strict checker for the proto3 JSON form of a message, walking Google's .proto definitions:
// unknown fields, more than one member of a oneof, enum values that are not names of the enum,
// scalars of the wrong type or range, malformed well-known types (Duration "60s", Timestamp…)
// and missing `(google.api.field_behavior) = REQUIRED` fields are all reported with a JSON path.
// Field names are accepted in their lowerCamel JSON form only, which is how every file we ship
// and every example Google publishes spells them.
import protobuf from 'protobufjs';
import { WELL_KNOWN_CHECKS, WRAPPER_SCALARS, describeJsonValue as describe } from './well-known-types.ts';

export interface ValidateProtoJsonOptions {
  /**
   * Also accept enum values as numbers. Proto3 JSON allows both; the REST clients send numbers
   * (`enum-encoding=int`), while files we ship must use names. Default false.
   */
  enumNumbers?: boolean;
}

interface Walk {
  issues: ProtoJsonIssue[];
  enumNumbers: boolean;
}

export interface ProtoJsonIssue {
  /** JSONPath-like location, e.g. `$.mosaicLayout.tiles[3].widget.xyChart`. */
  path: string;
  message: string;
}

const INT32_RANGE: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fullName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

function fieldBehaviors(field: protobuf.FieldBase): string[] {
  const behaviors: string[] = [];
  for (const entry of field.parsedOptions ?? []) {
    const value = (entry as Record<string, unknown>)['(google.api.field_behavior)'];
    if (typeof value === 'string') behaviors.push(value);
    else if (Array.isArray(value)) behaviors.push(...value.filter((item): item is string => typeof item === 'string'));
  }
  return behaviors;
}

/** Proto3 has no presence for scalars: an empty string or list is as good as absent to the API. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function checkScalar(type: string, value: unknown, path: string, issues: ProtoJsonIssue[]): void {
  const fail = (expected: string) => issues.push({ path, message: `expected ${expected} (${type}), got ${describe(value)}` });
  switch (type) {
    case 'string':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail('a base64 string');
      return;
    case 'double':
    case 'float':
      if (typeof value === 'number' ? !Number.isFinite(value) : !(typeof value === 'string' && /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(value))) {
        fail('a number');
      }
      return;
  }
  const range = INT32_RANGE[type];
  if (range === undefined) {
    issues.push({ path, message: `unsupported scalar type ${type}` });
    return;
  }
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^-?\d+$/.test(text) || BigInt(text) < range[0] || BigInt(text) > range[1]) {
    fail(`an integer from ${range[0]} to ${range[1]}`);
  }
}

function checkValue(field: protobuf.FieldBase, typeName: string, value: unknown, path: string, walk: Walk): void {
  const { issues } = walk;
  if (value === null && typeName !== 'google.protobuf.Value') {
    issues.push({ path, message: 'null is not allowed: leave the field out instead' });
    return;
  }
  const resolved = field.resolvedType;
  if (resolved === null) {
    checkScalar(field.type, value, path, issues);
  } else if (resolved instanceof protobuf.Enum) {
    const known = typeof value === 'string' ? Object.hasOwn(resolved.values, value) : walk.enumNumbers && Object.values(resolved.values).includes(value as number);
    if (!known) {
      issues.push({ path, message: `expected one of the ${fullName(resolved)} names (${Object.keys(resolved.values).join(', ')}), got ${describe(value)}` });
    }
  } else {
    validateMessage(resolved as protobuf.Type, value, path, walk);
  }
}

function validateField(field: protobuf.FieldBase, value: unknown, path: string, walk: Walk): void {
  const { issues } = walk;
  const typeName = field.resolvedType === null ? field.type : fullName(field.resolvedType);
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) {
      issues.push({ path, message: `expected an object (map<${field.keyType}, ${field.type}>), got ${describe(value)}` });
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      // JSON object keys are strings; non-string map keys are their decimal or `true`/`false` text.
      const keyPath = `${path}[${JSON.stringify(key)}] (key)`;
      if (field.keyType === 'bool') {
        if (key !== 'true' && key !== 'false') issues.push({ path: keyPath, message: `expected "true" or "false", got ${describe(key)}` });
      } else if (field.keyType !== 'string') {
        checkScalar(field.keyType, key, keyPath, issues);
      }
      checkValue(field, typeName, item, `${path}[${JSON.stringify(key)}]`, walk);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected an array (repeated ${typeName}), got ${describe(value)}` });
      return;
    }
    value.forEach((item, index) => checkValue(field, typeName, item, `${path}[${index}]`, walk));
    return;
  }
  checkValue(field, typeName, value, path, walk);
}

function validateMessage(type: protobuf.Type, value: unknown, path: string, walk: Walk): void {
  const { issues } = walk;
  const name = fullName(type);
  const wellKnown = WELL_KNOWN_CHECKS[name];
  if (wellKnown !== undefined) return wellKnown(value, path, issues);
  const wrapped = WRAPPER_SCALARS[name];
  if (wrapped !== undefined) return checkScalar(wrapped, value, path, issues);

  if (!isPlainObject(value)) {
    issues.push({ path, message: `expected an object (${name}), got ${describe(value)}` });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    // An undefined property is what JSON.stringify drops: absent, not a value.
    if (item === undefined) continue;
    const field = type.fields[key];
    if (field === undefined) {
      issues.push({ path: `${path}.${key}`, message: `unknown field "${key}" in ${name} (known: ${Object.keys(type.fields).join(', ')})` });
      continue;
    }
    validateField(field.resolve(), item, `${path}.${key}`, walk);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((member) => value[member] !== undefined && value[member] !== null);
    if (set.length > 1) {
      issues.push({ path, message: `at most one of the oneof "${oneof.name}" may be set in ${name}, got ${set.join(', ')}` });
    }
  }
  for (const field of type.fieldsArray) {
    if (fieldBehaviors(field).includes('REQUIRED') && isUnset(value[field.name])) {
      issues.push({ path: `${path}.${field.name}`, message: `missing required field "${field.name}" of ${name}` });
    }
  }
}

/** Every problem found in `value` read as the proto3 JSON form of `typeName`; empty when valid. */
export function validateProtoJson(root: protobuf.Root, typeName: string, value: unknown, options: ValidateProtoJsonOptions = {}): ProtoJsonIssue[] {
  const walk: Walk = { issues: [], enumNumbers: options.enumNumbers ?? false };
  validateMessage(root.lookupType(typeName), value, '$', walk);
  return walk.issues;
}

/** Formats issues one per line, `path: message`, for test failures and CLI output. */
export function formatProtoJsonIssues(issues: ProtoJsonIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n');
}
