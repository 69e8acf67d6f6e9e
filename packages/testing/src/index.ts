export * from './manual-clock.js';
export * from './start-fake-gemini.js';
export * from './start-latency-proxy.js';
export * from './baselines.js';
export * from './seeded-random.js';
export { localhostCertificate, type CertificatePair } from './fake-gemini/certificate.js';
