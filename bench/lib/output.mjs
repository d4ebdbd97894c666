// Where every bench leaves its results: raw JSON in bench/results/, and its tables in
// docs/benchmarks.md between `<!-- bench/<name>.mjs: begin -->` and `... end -->` markers, so the
// doc always shows the numbers of the latest run. Both are formatted with the project's Prettier
// config (a dev dependency; without it the text stays as written).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const resultsDir = new URL('../results/', import.meta.url)
const docUrl = new URL('../../docs/benchmarks.md', import.meta.url)

async function formatted(text, parser, url) {
  try {
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(fileURLToPath(url))) ?? {}
    return await prettier.format(text, { ...options, parser })
  } catch {
    return text
  }
}

/** Writes `data` to bench/results/<name>.json. */
export async function writeResults(name, data) {
  mkdirSync(resultsDir, { recursive: true })
  const url = new URL(`${name}.json`, resultsDir)
  writeFileSync(url, await formatted(`${JSON.stringify(data, null, 2)}\n`, 'json', url))
  console.log(`\nRaw results: bench/results/${name}.json`)
}

/** Replaces the tables between bench `script`'s markers in docs/benchmarks.md, if present. */
export async function writeDocTables(script, markdown) {
  const begin = `<!-- bench/${script}: begin -->`
  const end = `<!-- bench/${script}: end -->`
  const doc = readFileSync(docUrl, 'utf8')
  if (!doc.includes(begin) || !doc.includes(end)) return
  const block = (
    await formatted(`${begin}\n\n${markdown}\n\n${end}\n`, 'markdown', docUrl)
  ).trimEnd()
  writeFileSync(
    docUrl,
    doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length),
  )
  console.log('Updated docs/benchmarks.md')
}
