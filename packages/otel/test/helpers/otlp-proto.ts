// The subset of the OTLP protobuf schema (opentelemetry-proto v1: common, resource, trace,
// metrics) the tests decode. Field numbers follow the upstream .proto files (they are also listed
// in @opentelemetry/otlp-transformer's serializer comments); unknown fields are skipped by protobufjs.
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
}
message Status { string message = 2; int32 code = 3; }

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message Metric {
  string name = 1; string description = 2; string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message NumberDataPoint {
  repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
  fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('otlp.ExportMetricsServiceRequest');

type Json = Record<string, any>;

export type AttributeValue = string | number | boolean | AttributeValue[];

export interface DecodedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, AttributeValue>;
  events: Array<{ name: string; attributes: Record<string, AttributeValue> }>;
  status: { code: number; message: string };
  resource: Record<string, AttributeValue>;
  scope: string;
}

export interface DecodedPoint {
  attributes: Record<string, AttributeValue>;
  /** Sum/gauge value, or histogram count. */
  value: number;
  sum?: number;
  bounds?: number[];
}

export interface DecodedMetric {
  name: string;
  unit: string;
  type: 'sum' | 'gauge' | 'histogram';
  monotonic: boolean;
  points: DecodedPoint[];
  resource: Record<string, AttributeValue>;
}

const options = { longs: Number, bytes: String, defaults: true, oneofs: true } as const;

export function decodeTraces(body: Uint8Array): DecodedSpan[] {
  const request = TraceRequest.toObject(TraceRequest.decode(body), { ...options, bytes: String }) as Json;
  const spans: DecodedSpan[] = [];
  for (const rs of request.resource_spans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scope_spans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          name: s.name,
          kind: s.kind,
          traceId: hex(s.trace_id),
          spanId: hex(s.span_id),
          parentSpanId: hex(s.parent_span_id),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e: Json) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

export function decodeMetrics(body: Uint8Array): DecodedMetric[] {
  const request = MetricsRequest.toObject(MetricsRequest.decode(body), options) as Json;
  const out: DecodedMetric[] = [];
  for (const rm of request.resource_metrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    for (const sm of rm.scope_metrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = m.data as DecodedMetric['type'];
        const data = m[type] as Json;
        const points = (data.data_points ?? []).map((p: Json): DecodedPoint =>
          type === 'histogram'
            ? { attributes: attributes(p.attributes), value: p.count, sum: p.sum, bounds: p.explicit_bounds }
            : { attributes: attributes(p.attributes), value: p.value === 'as_int' ? p.as_int : p.as_double },
        );
        out.push({ name: m.name, unit: m.unit, type, monotonic: data.is_monotonic === true, points, resource });
      }
    }
  }
  return out;
}

function attributes(list: Json[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function anyValue(v: Json | undefined): AttributeValue {
  if (v === undefined || v.value === undefined) return '';
  if (v.value === 'array_value') return (v.array_value.values ?? []).map(anyValue);
  return v[v.value];
}

function hex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}
