// Turning token usage into US dollars. Prices are per million tokens and are list prices for the
// paid tier at the time of writing (standard context, ≤ 200k prompt tokens); they change, so every
// entry can be overridden or extended through the `prices` option. A model with no price costs
// nothing rather than a guess.
import { ConfigError, matchesModel, type TokenUsage } from '@gempool/core';

export interface ModelPrice {
  /** USD per million input (prompt) tokens that were not served from the cache. */
  inputPerMillion: number;
  /** USD per million output tokens (thinking tokens are billed as output). */
  outputPerMillion: number;
  /** USD per million cached input tokens; defaults to the input price. */
  cachedInputPerMillion?: number;
}

/** Model name or glob (`gemini-2.5-pro*`) → price. The first matching entry wins. */
export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gemini-3-pro*': { inputPerMillion: 2, outputPerMillion: 12, cachedInputPerMillion: 0.2 },
  'gemini-2.5-pro*': { inputPerMillion: 1.25, outputPerMillion: 10, cachedInputPerMillion: 0.125 },
  'gemini-2.5-flash-lite*': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.01 },
  'gemini-2.5-flash*': { inputPerMillion: 0.3, outputPerMillion: 2.5, cachedInputPerMillion: 0.03 },
  'gemini-2.0-flash-lite*': { inputPerMillion: 0.075, outputPerMillion: 0.3 },
  'gemini-2.0-flash*': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.025 },
  'gemini-embedding*': { inputPerMillion: 0.15, outputPerMillion: 0 },
});

export interface CostCalculator {
  /** Cost in USD of one call's usage, or undefined when the model has no price. */
  costOf(model: string, usage: TokenUsage): number | undefined;
}

/** User prices are consulted before the defaults, so an override of one model is enough. */
export function createCostCalculator(overrides: PriceTable = {}): CostCalculator {
  const entries = [...Object.entries(overrides), ...Object.entries(DEFAULT_PRICES)];
  for (const [pattern, price] of Object.entries(overrides)) validatePrice(pattern, price);
  const cache = new Map<string, ModelPrice | undefined>();
  const priceFor = (model: string): ModelPrice | undefined => {
    if (cache.has(model)) return cache.get(model);
    const price = entries.find(([pattern]) => matchesModel(model, pattern))?.[1];
    cache.set(model, price);
    return price;
  };
  return {
    costOf(model, usage) {
      const price = priceFor(model);
      if (price === undefined) return undefined;
      const cached = Math.min(usage.cachedTokens, usage.inputTokens);
      const dollars =
        (usage.inputTokens - cached) * price.inputPerMillion +
        cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
        usage.outputTokens * price.outputPerMillion;
      return dollars / 1_000_000;
    },
  };
}

function validatePrice(pattern: string, price: ModelPrice): void {
  for (const key of ['inputPerMillion', 'outputPerMillion', 'cachedInputPerMillion'] as const) {
    const value = price?.[key];
    if (key === 'cachedInputPerMillion' && value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(`prices["${pattern}"].${key}`, 'a number from 0 and up (USD per million tokens)', value);
    }
  }
}
