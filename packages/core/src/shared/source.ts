// Long Animation Frame attribution gives a script's position as a character offset into its
// source; reports want a line and column.

/** Turns a character offset into 1-based line and column. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(offset, text.length)
  for (let index = text.indexOf('\n'); index !== -1 && index < end;) {
    line++
    lineStart = index + 1
    index = text.indexOf('\n', lineStart)
  }
  return { line, column: end - lineStart + 1 }
}

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi

/**
 * Where a Long Animation Frame script's `sourceCharPosition` points, as 1-based line and column
 * in `text` (the script's source as served). For a script inline in an HTML document Chromium
 * counts from the start of its `<script>` element, so the element is found first: the one
 * whose text has `functionName` just before the position when several could hold it.
 */
export function sourceLocation(
  text: string,
  position: number,
  functionName = '',
): { line: number; column: number } | undefined {
  if (!Number.isInteger(position) || position < 0) return undefined
  if (!/^\s*</.test(text)) return lineAndColumn(text, position)
  const candidates: { start: number; body: string }[] = []
  for (const match of text.matchAll(INLINE_SCRIPT)) {
    const body = match[2] ?? ''
    if (/\bsrc\s*=/i.test(match[1] ?? '') || body.length <= position) continue
    candidates.push({ start: match.index + match[0].indexOf('>') + 1, body })
  }
  const named =
    functionName === ''
      ? undefined
      : candidates.find(({ body }) =>
          body.slice(Math.max(0, position - 200), position + 1).includes(functionName),
        )
  const chosen = named ?? candidates[0]
  return chosen === undefined ? undefined : lineAndColumn(text, chosen.start + position)
}
