// The names in docs/api.md's "Runtime exports" table (shared by the Node and browser checks).
export function documentedExports(doc: string): string[] {
  const section = doc.split('## Runtime exports')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/^\|\s*`([\w.]+)`\s*\|/gm)].map((match) => match[1] as string)
}

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
