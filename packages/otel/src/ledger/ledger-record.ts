// One record per logical call: what the "track retry attempts and cost per request in BigQuery"
// requirement reads from. Built only from call-end facts, so it never holds credentials; prompt
// and response text only with recordContent: true.
import type { CallEndEvent } from '@gempool/core';
import type { GenAiContent } from '../genai-content.js';

export interface LedgerRecord {
  /** ISO-8601 time the call finished. */
  time: string;
  call_id: number;
  operation: string;
  provider: string;
  model: string;
  /** The model that answered (differs after a tier fallback). */
  served_model: string;
  lane: string;
  tenant: string | null;
  outcome: 'success' | 'error';
  /** HTTP status of the final response, when there was one. */
  status: number | null;
  error_type: string | null;
  latency_ms: number;
  attempts: number;
  retry_reasons: string[];
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  total_tokens: number | null;
  cost_usd: number | null;
  coalesced: boolean;
  region: string | null;
  streaming: boolean;
  /** recordContent only: `gen_ai.input.messages` JSON (system instructions first, as a `system` message). */
  prompt: string | null;
  /** recordContent only: `gen_ai.output.messages` JSON. */
  response: string | null;
}

/** BigQuery schema for the ledger table (column names match LedgerRecord). */
export const LEDGER_BIGQUERY_SCHEMA = Object.freeze([
  { name: 'time', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'call_id', type: 'INT64', mode: 'REQUIRED' },
  { name: 'operation', type: 'STRING', mode: 'REQUIRED' },
  { name: 'provider', type: 'STRING', mode: 'REQUIRED' },
  { name: 'model', type: 'STRING', mode: 'REQUIRED' },
  { name: 'served_model', type: 'STRING', mode: 'REQUIRED' },
  { name: 'lane', type: 'STRING', mode: 'REQUIRED' },
  { name: 'tenant', type: 'STRING', mode: 'NULLABLE' },
  { name: 'outcome', type: 'STRING', mode: 'REQUIRED' },
  { name: 'status', type: 'INT64', mode: 'NULLABLE' },
  { name: 'error_type', type: 'STRING', mode: 'NULLABLE' },
  { name: 'latency_ms', type: 'FLOAT64', mode: 'REQUIRED' },
  { name: 'attempts', type: 'INT64', mode: 'REQUIRED' },
  { name: 'retry_reasons', type: 'STRING', mode: 'REPEATED' },
  { name: 'input_tokens', type: 'INT64', mode: 'NULLABLE' },
  { name: 'output_tokens', type: 'INT64', mode: 'NULLABLE' },
  { name: 'cached_tokens', type: 'INT64', mode: 'NULLABLE' },
  { name: 'total_tokens', type: 'INT64', mode: 'NULLABLE' },
  { name: 'cost_usd', type: 'FLOAT64', mode: 'NULLABLE' },
  { name: 'coalesced', type: 'BOOL', mode: 'REQUIRED' },
  { name: 'region', type: 'STRING', mode: 'NULLABLE' },
  { name: 'streaming', type: 'BOOL', mode: 'REQUIRED' },
  { name: 'prompt', type: 'STRING', mode: 'NULLABLE' },
  { name: 'response', type: 'STRING', mode: 'NULLABLE' },
]);

export function toLedgerRecord(e: CallEndEvent, costUsd: number | undefined, endTimeMs: number, content?: GenAiContent): LedgerRecord {
  return {
    time: new Date(endTimeMs).toISOString(),
    call_id: e.callId,
    operation: e.operation,
    provider: e.provider,
    model: e.model,
    served_model: e.servedModel,
    lane: e.lane,
    tenant: e.tenant ?? null,
    outcome: e.outcome,
    status: e.status ?? null,
    error_type: e.errorType ?? null,
    latency_ms: e.durationMs,
    attempts: e.attempts,
    retry_reasons: [...e.retryReasons],
    input_tokens: e.usage?.inputTokens ?? null,
    output_tokens: e.usage?.outputTokens ?? null,
    cached_tokens: e.usage?.cachedTokens ?? null,
    total_tokens: e.usage?.totalTokens ?? null,
    cost_usd: costUsd ?? null,
    coalesced: e.coalesced,
    region: e.region ?? null,
    streaming: e.streaming,
    prompt: content === undefined ? null : promptOf(content),
    response: content?.outputMessages === undefined ? null : JSON.stringify(content.outputMessages),
  };
}

function promptOf(content: GenAiContent): string | null {
  if (content.inputMessages === undefined) return null;
  const system = content.systemInstructions === undefined ? [] : [{ role: 'system', parts: content.systemInstructions }];
  return JSON.stringify([...system, ...content.inputMessages]);
}
