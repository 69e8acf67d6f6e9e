// Proto3 JSON forms of the well-known types that appear in dashboards and alert policies. These
// are exactly what protobufjs `verify()` gets wrong (it expects `{seconds, nanos}` objects where
// the API takes `"60s"`), so they are checked by their JSON mapping instead.
import type { ProtoJsonIssue } from './validate-proto-json.ts';

type Check = (value: unknown, path: string, issues: ProtoJsonIssue[]) => void;

// ±10 000 years, the range google.protobuf.Duration allows.
const MAX_DURATION_SECONDS = 315_576_000_000n;
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const FIELD_MASK = /^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*(?:,[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*)*$/;

function describe(value: unknown): string {
  return `${JSON.stringify(value)} (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
}

const checkDuration: Check = (value, path, issues) => {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) {
    issues.push({ path, message: `expected a google.protobuf.Duration string such as "60s" or "0.5s", got ${describe(value)}` });
    return;
  }
  if (BigInt(match[2]!) > MAX_DURATION_SECONDS) {
    issues.push({ path, message: `duration ${JSON.stringify(value)} is outside ±${MAX_DURATION_SECONDS} s` });
  }
};

const checkTimestamp: Check = (value, path, issues) => {
  if (typeof value !== 'string' || !TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    issues.push({ path, message: `expected an RFC 3339 google.protobuf.Timestamp string, got ${describe(value)}` });
  }
};

const checkStruct: Check = (value, path, issues) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path, message: `expected a JSON object (google.protobuf.Struct), got ${describe(value)}` });
  }
};

const checkListValue: Check = (value, path, issues) => {
  if (!Array.isArray(value)) issues.push({ path, message: `expected a JSON array (google.protobuf.ListValue), got ${describe(value)}` });
};

// google.protobuf.Value is any JSON value, including null.
const checkValue: Check = () => {};

const checkFieldMask: Check = (value, path, issues) => {
  if (typeof value !== 'string' || (value !== '' && !FIELD_MASK.test(value))) {
    issues.push({ path, message: `expected a google.protobuf.FieldMask string of lowerCamel paths, got ${describe(value)}` });
  }
};

const checkEmpty: Check = (value, path, issues) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length > 0) {
    issues.push({ path, message: `expected {} (google.protobuf.Empty), got ${describe(value)}` });
  }
};

const checkAny: Check = (value, path, issues) => {
  const typeUrl = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['@type'] : undefined;
  if (typeof typeUrl !== 'string' || typeUrl === '') {
    issues.push({ path, message: `expected a google.protobuf.Any object with an "@type", got ${describe(value)}` });
  }
};

/** Wrapper types take the JSON form of the scalar they wrap; `scalar` is the protobuf scalar type. */
export const WRAPPER_SCALARS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

export const WELL_KNOWN_CHECKS: Record<string, Check> = {
  'google.protobuf.Duration': checkDuration,
  'google.protobuf.Timestamp': checkTimestamp,
  'google.protobuf.Struct': checkStruct,
  'google.protobuf.ListValue': checkListValue,
  'google.protobuf.Value': checkValue,
  'google.protobuf.FieldMask': checkFieldMask,
  'google.protobuf.Empty': checkEmpty,
  'google.protobuf.Any': checkAny,
};

export { describe as describeJsonValue };
