// The example `npm start` runs under `leakscope run`: a small service that forgets to clean up
// and blocks its event loop once. Each problem is marked; leakscope reports each one.
import http from 'node:http'
import { Worker } from 'node:worker_threads'

function refreshCache() {}

function loadCatalog() {
  const text = JSON.stringify(
    Array.from({ length: 200_000 }, (_, id) => ({ id, name: `item ${id}`, tags: ['a', 'b'] })),
  )
  return JSON.parse(text) // blocks the event loop
}

function startService() {
  const catalog = loadCatalog()
  const server = http.createServer((request, response) => response.end(String(catalog.length)))
  server.listen(0, '127.0.0.1') // never closed
  setInterval(refreshCache, 5_000) // never cleared
  new Worker('setInterval(() => {}, 1000)', { eval: true, name: 'indexer' }) // never terminated
  console.log(`service started with ${catalog.length} items`)
}

startService()
