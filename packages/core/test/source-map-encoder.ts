// A tiny base64 VLQ encoder of the tests' own, the inverse of what leakscope/source-map decodes
// (shared by core's unit tests and the extension's source-map spec).

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

export function vlq(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2
  let out = ''
  do {
    let digit = rest % 32
    rest = Math.floor(rest / 32)
    if (rest > 0) digit += 32
    out += BASE64[digit]
  } while (rest > 0)
  return out
}

/** Segments per generated line: [column, source, line, column, name?], all 0-based, absolute. */
export type Segment = [number, number?, number?, number?, number?]

export function encodeMappings(lines: Segment[][]): string {
  let source = 0
  let sourceLine = 0
  let sourceColumn = 0
  let name = 0
  return lines
    .map((segments) => {
      let column = 0
      return segments
        .map((segment) => {
          let out = vlq(segment[0] - column)
          column = segment[0]
          if (segment[1] !== undefined) {
            out += vlq(segment[1] - source) + vlq(segment[2]! - sourceLine)
            out += vlq(segment[3]! - sourceColumn)
            source = segment[1]
            sourceLine = segment[2]!
            sourceColumn = segment[3]!
            if (segment[4] !== undefined) {
              out += vlq(segment[4] - name)
              name = segment[4]
            }
          }
          return out
        })
        .join(',')
    })
    .join(';')
}
