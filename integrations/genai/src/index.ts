export { createGoogleGenAI, getGempool, genaiFetch } from './create-google-genai.js';
export type { CreateGoogleGenAIOptions } from './create-google-genai.js';
export { gempoolErrorCode } from '@gempool/core';
