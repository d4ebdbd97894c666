// With --install-only, just makes sure the Node 24 binary is there (the Node 20 run needs it
// for the native `await using` fixture). Otherwise runs the core-node Vitest project under Node 24 (from .ci/node24, a non-workspace folder so
// its `node` binary never shadows the system Node in npm scripts). Propagates the exit code.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const prefix = fileURLToPath(new URL('./node24', import.meta.url))
const node24 = fileURLToPath(new URL('./node24/node_modules/.bin/node', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env })
  if (r.error) throw r.error
  return r.status ?? 1
}

if (!existsSync(node24)) {
  console.log('Installing Node 24 into .ci/node24 (npm ci)...')
  const status = run(npm, ['ci', '--prefix', prefix, '--no-audit', '--no-fund'])
  if (status !== 0) process.exit(status)
}

const version = spawnSync(node24, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim()
if (!version.startsWith('v24.')) {
  console.error(`Expected Node 24 at ${node24}, got "${version}".`)
  process.exit(1)
}
if (process.argv.includes('--install-only')) {
  console.log(`Node ${version} ready at ${node24}`)
  process.exit(0)
}
console.log(`Running core-node tests under Node ${version}`)

process.exit(
  run(node24, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'core-node'], {
    ...process.env,
    LEAKSCOPE_EXPECT_NODE_MAJOR: '24',
  }),
)
