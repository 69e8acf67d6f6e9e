import { ATTRIBUTES as A } from '../../../packages/otel/src/metrics.ts';
import type { DashboardSpec } from '../spec.ts';

export const cost: DashboardSpec = {
  id: 'cost',
  displayName: 'gempool: cost',
  summary: 'What are we spending on Gemini, on which models, and how much does coalescing save?',
  widgets: [
    {
      kind: 'stacked-area',
      title: 'Tokens per second by model and type',
      answers: 'How many input and output tokens does each model consume?',
      series: [{ metric: 'tokenUsage', aggregation: 'histogram-sum-rate', by: [A.requestModel, A.tokenType] }],
      unit: '{token}/s',
      yAxisLabel: 'tokens per second',
    },
    {
      kind: 'stacked-bar',
      title: 'Estimated USD per hour by model',
      answers: 'What does each model cost per hour, from token usage and the price table?',
      series: [{ metric: 'cost', aggregation: 'increase', by: [A.requestModel], windowSeconds: 3600 }],
      unit: 'USD',
      yAxisLabel: 'USD per hour',
    },
    {
      kind: 'stacked-bar',
      title: 'Calls saved by coalescing',
      answers: 'How many calls were served by an identical call already in flight, so cost nothing upstream?',
      series: [{ metric: 'coalescedCalls', aggregation: 'increase', by: [A.requestModel], windowSeconds: 3600 }],
      unit: '{request}',
      yAxisLabel: 'calls saved per hour',
    },
  ],
};
