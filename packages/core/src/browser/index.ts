/** Placeholder until the browser entry point lands. */
export const placeholder: number = 1
