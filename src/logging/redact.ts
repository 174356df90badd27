/** Replaces every occurrence of each secret in a text (error messages, log lines) with `<secret>`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join("<secret>");
  }
  return result;
}
