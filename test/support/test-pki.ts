/**
 * A throw-away PKI for TLS tests, made with the real `openssl` CLI: a CA and server certificates
 * for 127.0.0.1 and localhost that it signs (P-256 keys, valid two days, explicit serial numbers
 * so a test can tell one certificate from the next).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM): what --ca-file is given. */
  caFile: string;
  caKeyFile: string;
}

export interface TestServerCert {
  certFile: string;
  keyFile: string;
  /** The serial number as Node prints it (upper-case hex, whole bytes). */
  serial: string;
}

const hexBytes = (n: number): string => {
  const hex = n.toString(16).toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
};

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Makes a CA (ca.pem, ca.key) in `dir`. */
export function makeTestCa(dir: string, name = 'Patchhive Test CA'): TestCa {
  openssl(
    [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { dir, caFile: path.join(dir, 'ca.pem'), caKeyFile: path.join(dir, 'ca.key') };
}

/** Makes `<name>.pem` and `<name>.key` in the CA's directory: a server certificate for 127.0.0.1 and localhost with this serial. */
export function makeServerCert(ca: TestCa, name: string, serial: number): TestServerCert {
  const ext = path.join(ca.dir, `${name}.ext`);
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=127.0.0.1'], ca.dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      ca.caFile,
      '-CAkey',
      ca.caKeyFile,
      '-set_serial',
      String(serial),
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      ext,
    ],
    ca.dir,
  );
  return {
    certFile: path.join(ca.dir, `${name}.pem`),
    keyFile: path.join(ca.dir, `${name}.key`),
    serial: hexBytes(serial),
  };
}
