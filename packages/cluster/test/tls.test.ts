import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CLI, PACKAGE, startWorker, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { freePort } from './redis-server.js'

// A Redis that speaks TLS only, with a certificate of a private CA: drivers and workers
// reach it at rediss://, trusting the CA through Node's NODE_EXTRA_CA_CERTS.

const dir = mkdtempSync(join(tmpdir(), 'taskgraph-tls-'))
const ca = join(dir, 'ca.pem')
let redis: ChildProcess | undefined
let url: string
let worker: WorkerProcess | undefined

/** A CA, and a certificate it signed for 127.0.0.1. */
function makeCertificates(): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  }
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=taskgraph test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  )
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'redis.key',
    '-out',
    'redis.csr',
  )
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n')
  openssl(
    'x509',
    '-req',
    '-in',
    'redis.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'redis.pem',
  )
}

/** `taskgraph run` of the fixture workflow on the cluster; resolves with its exit and output. */
function runFlow(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI, 'run', 'test/fixtures/sum-flow.mjs', '--cluster', url, '--json'],
      {
        cwd: PACKAGE,
        env: { ...process.env, ...env },
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

beforeAll(async () => {
  makeCertificates()
  const port = await freePort()
  url = `rediss://127.0.0.1:${port}`
  redis = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      'redis.pem',
      '--tls-key-file',
      'redis.key',
      '--tls-ca-cert-file',
      'ca.pem',
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { cwd: dir, stdio: 'ignore' },
  )
  worker = await startWorker(url, 'tls', { env: { NODE_EXTRA_CA_CERTS: ca } })
})

afterAll(async () => {
  await stopWorkers(worker === undefined ? [] : [worker])
  redis?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('a cluster over TLS (rediss://)', () => {
  test('runs a workflow when drivers and workers trust the CA', async () => {
    const result = await runFlow({ NODE_EXTRA_CA_CERTS: ca })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toBe(55)
  })

  test('a driver that does not trust the certificate fails at once with exit 5', async () => {
    const result = await runFlow({ NODE_EXTRA_CA_CERTS: '' })
    expect(result.code).toBe(5)
    expect(result.stderr).toMatch(
      /^taskgraph: error: ClusterUnreachableError: .*cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+ \(self-signed certificate in certificate chain\)\. Its TLS certificate is not one this machine trusts: give Node the certificate of the CA that signed it \(NODE_EXTRA_CA_CERTS/,
    )
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})
