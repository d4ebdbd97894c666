// The demo `npm start` runs: a small "service" that forgets to clean up three things.
// leakscope reports each with the line that created it, then cancels them so the demo exits.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { noTaskLeaks, TaskLeakError } from 'leakscope'

function refreshCache() {}

function startService() {
  const server = http.createServer((request, response) => response.end('ok'))
  server.listen(0, '127.0.0.1') // forgotten: never closed
  setInterval(refreshCache, 5_000) // forgotten: never cleared
  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']) // forgotten: never killed
  const startup = setTimeout(() => {}, 10) // fine: fires within the grace period
  return { server, startup }
}

console.log('Running startService() inside noTaskLeaks({ action: "throw" }) ...\n')
try {
  await noTaskLeaks({ action: 'throw' }).run(async () => {
    startService()
  })
  console.log('No leaks.')
} catch (error) {
  if (!(error instanceof TaskLeakError)) throw error
  console.log(error.message)
  console.log(`\n${error.taskCount} leaked tasks; cancelling them so this demo can exit.`)
  for (const task of error.leakedTasks) task.cancel()
}
