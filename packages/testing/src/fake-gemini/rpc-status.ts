// google.rpc.Status error bodies, shaped exactly like Gemini's (see DESIGN.md "Gemini wire facts").
// 429s carry QuotaFailure and (unless `retryInfo: false`) RetryInfo; Google sends no Retry-After
// header, so neither do we.
import type { QuotaScope } from './fault-types.js';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'The request timed out. Please try again.',
};

export interface RpcStatusOptions {
  message?: string;
  retryDelay?: string;
  /** False: no RetryInfo detail on a 429. Default true. */
  retryInfo?: boolean;
  quota?: QuotaScope;
  model?: string;
}

export function rpcStatusName(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION');
}

export function rpcStatusBody(status: number, options: RpcStatusOptions = {}): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = {
    code: status,
    message: options.message ?? DEFAULT_MESSAGES[status] ?? `The request failed with status ${status}.`,
    status: rpcStatusName(status),
  };
  if (status === 429) error['details'] = quotaDetails(options);
  return { error };
}

function quotaDetails(options: RpcStatusOptions): Record<string, unknown>[] {
  const perDay = options.quota === 'per-day';
  const model = options.model ?? 'gemini-2.5-flash';
  const details: Record<string, unknown>[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: perDay
            ? 'generativelanguage.googleapis.com/generate_content_free_tier_requests'
            : 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count',
          quotaId: perDay ? 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' : 'GenerateContentPaidTierInputTokensPerModelPerMinute',
          quotaDimensions: { location: 'global', model },
          quotaValue: perDay ? '250' : '1000000',
        },
      ],
    },
    { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
  ];
  if (options.retryInfo !== false) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: options.retryDelay ?? (perDay ? '3600s' : '45.8s') });
  return details;
}
