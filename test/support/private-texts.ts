/**
 * Every text of a DefectDojo webhook body that link-only messages must not show: the title, the
 * description, object names (product type, product, engagement, test) and finding titles.
 */
export function privateTexts(body: Record<string, any>): string[] {
  const findingLists = Object.values(body.findings ?? {}) as Array<Array<{ title: string }>>;
  return [
    body.title,
    body.description,
    body.product_type?.name,
    body.product?.name,
    body.engagement?.name,
    body.test?.title,
    body.finding?.title,
    ...findingLists.flatMap((list) => list.map((finding) => finding.title)),
  ]
    .filter((text): text is string => typeof text === "string")
    .map((text) => text.trim())
    .filter(Boolean);
}

/** The texts of `privateTexts` that appear in any of `outputs`, as typed or as a channel escapes them. */
export function leakedTexts(outputs: string[], secrets: string[], escape: (text: string) => string): string[] {
  return secrets.filter((secret) => outputs.some((output) => output.includes(secret) || output.includes(escape(secret))));
}

/** Every string in a JSON value. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}
