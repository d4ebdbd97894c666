// Types of server.js (kept by hand; `npm run typecheck -w playground` checks server.js itself).

/** Path of the WebSocket echo endpoint. */
export declare const ECHO_PATH: '/__playground/echo'
/** Path of the endpoint that holds every request until the client goes away. */
export declare const SLOW_PATH: '/__playground/slow'

/** Absolute path of a file of the playground, e.g. `sourcePath('src/routes/interval.ts')`. */
export declare function sourcePath(file: string): string

/**
 * 1-based number of the only line of a playground source file that contains `marker` (throws
 * unless exactly one does). The app is served with its lines unchanged, so this is also the line
 * a stack trace in the browser names.
 */
export declare function lineOf(file: string, marker: string): number

export interface PlaygroundOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Hot module replacement and file watching (default false). */
  hmr?: boolean
  /** Vite's log level (default 'warn'). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent'
}

export interface Playground {
  /** Base URL, e.g. `http://127.0.0.1:41234/` (ends with a slash). */
  readonly url: string
  /** Stops the server and lets go of its sockets. */
  close(): Promise<void>
}

/** Starts the playground's dev server on 127.0.0.1. */
export declare function startPlayground(options?: PlaygroundOptions): Promise<Playground>
