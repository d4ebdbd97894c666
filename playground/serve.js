// @ts-check
// `npm run playground`: serves the playground on 127.0.0.1 (port 5173, or the first argument; 0
// picks a free one) with hot reload, until Ctrl-C.
import { startPlayground } from './server.js'

const port = Number(process.argv[2] ?? 5173)
const playground = await startPlayground({ port, hmr: true, logLevel: 'info' })
console.log(`leakscope playground: ${playground.url}`)
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    void playground.close().then(() => process.exit(0))
  })
}
