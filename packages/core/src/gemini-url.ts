// What a Gemini / Vertex AI URL tells us. The model is only in the path:
//   Google AI: /{v1|v1beta}/models/{model}:{method}
//   Vertex AI: /{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}
import type { Provider } from './events.js';

export interface GeminiTarget {
  model: string;
  method: string;
  /** OpenTelemetry GenAI operation name. */
  operation: string;
  apiVersion: string;
  provider: Provider;
  /** Vertex location segment (`us-central1`, `global`…), when present. */
  location: string | undefined;
  project: string | undefined;
  streaming: boolean;
}

const MODEL_PATH = /\/models\/([^/:]+):(\w+)/;
const VERTEX_PATH = /\/projects\/([^/]+)\/locations\/([^/]+)\//;
const VERSION_PATH = /^\/(v\d+(?:alpha|beta)?\d*)\//;

const OPERATIONS: Record<string, string> = {
  generateContent: 'generate_content',
  streamGenerateContent: 'generate_content',
  countTokens: 'count_tokens',
  embedContent: 'embeddings',
  batchEmbedContents: 'embeddings',
  predict: 'predict',
};

/** Parses a request path (with or without query). Unknown shapes give model `unknown`. */
export function parseGeminiPath(pathname: string): GeminiTarget {
  const modelMatch = MODEL_PATH.exec(pathname);
  const vertexMatch = VERTEX_PATH.exec(pathname);
  const versionMatch = VERSION_PATH.exec(pathname);
  const method = modelMatch?.[2] ?? 'unknown';
  return {
    model: modelMatch === null ? 'unknown' : decodeURIComponent(modelMatch[1]!),
    method,
    operation: OPERATIONS[method] ?? method,
    apiVersion: versionMatch?.[1] ?? 'unknown',
    provider: vertexMatch !== null ? 'gcp.vertex_ai' : modelMatch !== null ? 'gcp.gemini' : 'unknown',
    location: vertexMatch?.[2],
    project: vertexMatch?.[1],
    streaming: method === 'streamGenerateContent',
  };
}

/** Vertex AI host for a location: `global` → aiplatform.googleapis.com, `us`/`eu` → multi-region rep endpoints. */
export function vertexHostForLocation(location: string): string {
  if (location === 'global') return 'aiplatform.googleapis.com';
  if (location === 'us' || location === 'eu') return `aiplatform.${location}.rep.googleapis.com`;
  return `${location}-aiplatform.googleapis.com`;
}

/** Glob (`*` wildcard) or RegExp match against a model name; `models/` prefixes are ignored. */
export function matchesModel(model: string, pattern: string | RegExp): boolean {
  const name = model.startsWith('models/') ? model.slice(7) : model;
  if (pattern instanceof RegExp) return pattern.test(name);
  if (!pattern.includes('*')) return pattern === name;
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(name);
}
