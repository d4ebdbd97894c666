// The names in docs/api.md's export tables (shared by the Node and browser checks): the
// "Runtime exports" table of `leakscope`, and the table of each subpath section.
export function documentedExports(doc: string, section = 'Runtime exports'): string[] {
  const text = doc.split(`\n## ${section}\n`)[1]?.split('\n## ')[0] ?? ''
  return [...text.matchAll(/^\|\s*`([\w.]+)`\s*\|/gm)].map((match) => match[1] as string)
}

/** The section of docs/api.md that documents the `leakscope/source-map` entry. */
export const SOURCE_MAP_SECTION = 'Source maps: `leakscope/source-map`'

/** Each documented name that does not resolve on `module` (dotted names are members). */
export function missingExports(documented: readonly string[], module: object): string[] {
  return documented.filter(
    (name) =>
      name
        .split('.')
        .reduce<unknown>(
          (object, key) =>
            object === undefined ? undefined : (object as Record<string, unknown>)[key],
          module,
        ) === undefined,
  )
}
