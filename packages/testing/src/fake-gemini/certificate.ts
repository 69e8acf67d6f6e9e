// One self-signed certificate per process, valid for localhost, 127.0.0.1 and ::1, that is its
// own CA: clients trust it with `ca: fake.ca`. Generated once (EC P-256 takes ~50 ms) and reused
// by every server, so a test file that starts ten servers pays for one key.
import { generate as generateSelfSigned } from 'selfsigned';

export interface CertificatePair {
  key: string;
  cert: string;
}

let pending: Promise<CertificatePair> | undefined;

export function localhostCertificate(): Promise<CertificatePair> {
  pending ??= generate().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function generate(): Promise<CertificatePair> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  const pems = await generateSelfSigned([{ name: 'commonName', value: 'gempool fake Gemini (localhost)' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
