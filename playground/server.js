// @ts-check
// The playground's server: Vite's dev server for the app in src/, plus the two local endpoints
// the network routes need (a WebSocket echo and a request that never answers), all on
// 127.0.0.1. `npm run playground`, the e2e tests, the extension's tests, the browser demo and the
// e2e bench start it through `startPlayground()`.
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { transform } from 'sucrase'
import { createServer } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/** Path of the WebSocket echo endpoint. */
export const ECHO_PATH = '/__playground/echo'
/** Path of the endpoint that holds every request until the client goes away. */
export const SLOW_PATH = '/__playground/slow'

/**
 * Absolute path of a file of the playground's app, e.g. `sourcePath('src/routes/interval.ts')`.
 * @param {string} file
 * @returns {string}
 */
export function sourcePath(file) {
  return fileURLToPath(new URL(file, import.meta.url))
}

/**
 * 1-based number of the only line of a playground source file that contains `marker`, e.g.
 * `lineOf('src/routes/interval.ts', '// LEAK')`. The app is served with its lines unchanged, so
 * this is also the line a stack trace in the browser names.
 * @param {string} file
 * @param {string} marker
 * @returns {number}
 */
export function lineOf(file, marker) {
  const lines = readFileSync(sourcePath(file), 'utf8').split('\n')
  const found = lines.flatMap((line, index) => (line.includes(marker) ? [index + 1] : []))
  if (found.length !== 1) {
    throw new Error(
      `${file}: expected exactly one line with ${JSON.stringify(marker)}, found ${found.length}`,
    )
  }
  return /** @type {number} */ (found[0])
}

/**
 * Vite's own TypeScript/JSX transform reprints each module, which moves lines; stack traces
 * would then name lines that are not in the source. Sucrase strips types and compiles JSX in
 * place, so every line of a served module is the line of the same number in src/.
 * @returns {import('vite').Plugin}
 */
function lineKeepingTransform() {
  const srcDir = sourcePath('src/')
  return {
    name: 'leakscope-playground:line-keeping-transform',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0] ?? id
      if (!file.startsWith(srcDir) || !/\.tsx?$/.test(file)) return null
      const result = transform(code, {
        transforms: file.endsWith('.tsx') ? ['typescript', 'jsx'] : ['typescript'],
        jsxRuntime: 'automatic',
        production: false,
        disableESTransforms: true,
        filePath: file,
        sourceMapOptions: { compiledFilename: file },
      })
      return { code: result.code, map: result.sourceMap ?? null }
    },
  }
}

/**
 * The WebSocket echo (RFC 6455, text and binary frames echoed, ping answered, close returned) and
 * the never-answering request, on Vite's own HTTP server. Both let go of their sockets when the
 * server closes.
 * @returns {import('vite').Plugin}
 */
function localEndpoints() {
  /** @type {Set<import('node:stream').Duplex>} */
  const sockets = new Set()
  /** @type {Set<import('node:http').ServerResponse>} */
  const held = new Set()
  const release = () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    for (const response of held) response.destroy()
    held.clear()
  }
  return {
    name: 'leakscope-playground:local-endpoints',
    configureServer(server) {
      server.middlewares.use(SLOW_PATH, (request, response) => {
        // Never answered, not even with headers (fetch() settles when they arrive): the request
        // stays in flight until the page aborts it, navigates away or closes, or the server
        // closes.
        held.add(response)
        request.socket.setTimeout(0)
        response.on('close', () => held.delete(response))
      })
      const httpServer = server.httpServer
      if (httpServer === null) return
      httpServer.on('upgrade', (request, socket, head) => {
        if (new URL(request.url ?? '/', 'http://localhost').pathname !== ECHO_PATH) return
        const key = request.headers['sec-websocket-key']
        if (typeof key !== 'string') {
          socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
          return
        }
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64')
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
        )
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => socket.destroy())
        echo(socket, head)
      })
    },
    // Vite calls this when the dev server closes: held requests and echo sockets would
    // otherwise keep its HTTP server from closing.
    buildEnd: release,
  }
}

/**
 * Echoes WebSocket frames back to the client until it closes.
 * @param {import('node:stream').Duplex} socket
 * @param {Buffer} head
 */
function echo(socket, head) {
  let buffer = head
  const answer = () => {
    for (;;) {
      const frame = readFrame(buffer)
      if (frame === undefined) return
      buffer = buffer.subarray(frame.size)
      if (frame.opcode === 0x8) {
        socket.end(frameOf(0x8, frame.payload))
        return
      }
      if (frame.opcode === 0x9) socket.write(frameOf(0xa, frame.payload))
      else if (frame.opcode <= 0x2) socket.write(frameOf(frame.opcode, frame.payload, frame.fin))
    }
  }
  socket.on('data', (/** @type {Buffer} */ chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    answer()
  })
  // The client may have sent frames right behind its handshake.
  answer()
}

/**
 * One client frame (always masked) from the start of `buffer`, or undefined if incomplete.
 * @param {Buffer} buffer
 * @returns {{ fin: boolean, opcode: number, payload: Buffer, size: number } | undefined}
 */
function readFrame(buffer) {
  if (buffer.length < 2) return undefined
  const first = /** @type {number} */ (buffer[0])
  const second = /** @type {number} */ (buffer[1])
  let length = second & 0x7f
  let offset = 2
  if (length === 126) {
    if (buffer.length < 4) return undefined
    length = buffer.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buffer.length < 10) return undefined
    length = Number(buffer.readBigUInt64BE(2))
    offset = 10
  }
  const masked = (second & 0x80) !== 0
  const mask = masked ? buffer.subarray(offset, offset + 4) : undefined
  if (masked) offset += 4
  if (buffer.length < offset + length) return undefined
  const payload = Buffer.from(buffer.subarray(offset, offset + length))
  if (mask !== undefined) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = /** @type {number} */ (payload[i]) ^ /** @type {number} */ (mask[i % 4])
    }
  }
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, size: offset + length }
}

/**
 * An unmasked server frame.
 * @param {number} opcode
 * @param {Buffer} payload
 * @param {boolean} [fin]
 * @returns {Buffer}
 */
function frameOf(opcode, payload, fin = true) {
  const length = payload.length
  const header =
    length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
  header[0] = (fin ? 0x80 : 0) | opcode
  if (length < 126) header[1] = length
  else if (length < 65536) {
    header[1] = 126
    header.writeUInt16BE(length, 2)
  } else {
    header[1] = 127
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  return Buffer.concat([header, payload])
}

/**
 * @typedef {object} PlaygroundOptions
 * @property {number} [port] TCP port on 127.0.0.1; 0 (the default) picks a free one.
 * @property {boolean} [hmr] Hot module replacement and file watching (default false: tests and
 *   benches need neither; `npm run playground` turns them on).
 * @property {import('vite').LogLevel} [logLevel] Vite's log level (default 'warn').
 */

/**
 * @typedef {object} Playground
 * @property {string} url Base URL, e.g. `http://127.0.0.1:41234/` (ends with a slash).
 * @property {() => Promise<void>} close Stops the server and lets go of its sockets.
 */

/**
 * Starts the playground's dev server on 127.0.0.1.
 * @param {PlaygroundOptions} [options]
 * @returns {Promise<Playground>}
 */
export async function startPlayground(options = {}) {
  const hmr = options.hmr ?? false
  const server = await createServer({
    configFile: false,
    root,
    logLevel: options.logLevel ?? 'warn',
    // Sucrase compiles src/ (see lineKeepingTransform); dependencies are plain JavaScript.
    oxc: false,
    plugins: [lineKeepingTransform(), localEndpoints()],
    server: {
      host: '127.0.0.1',
      port: options.port ?? 0,
      strictPort: true,
      hmr,
      watch: hmr ? {} : null,
    },
    // Bundled when the server starts, so no first visit of /react waits for it or reloads.
    optimizeDeps: {
      include: ['react', 'react/jsx-dev-runtime', 'react-dom/client'],
      entries: ['index.html'],
    },
  })
  await server.listen()
  const address = server.httpServer?.address()
  if (address === null || address === undefined || typeof address === 'string') {
    await server.close()
    throw new Error('leakscope-playground: the dev server has no TCP address')
  }
  /** @type {Promise<void> | undefined} */
  let closing
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close() {
      closing ??= server.close()
      return closing
    },
  }
}
