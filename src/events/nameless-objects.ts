/**
 * Labels for DefectDojo objects saved without a name. `Engagement.name` and `Test.title` are
 * nullable (DefectDojo 3.2 dojo/engagement/models.py and dojo/test/models.py, 2.58 dojo/models.py),
 * its webhook templates write them as `null`, and its event titles, Python f-strings, then say
 * "None" where the name would be ("Engagement created for "Shop": None").
 */

/**
 * DefectDojo's `Engagement.__str__` is "Engagement <id>: <name or ''> (<start date>)", which its
 * breadcrumbs show: without a name (or a blank one) that is "Engagement <id>".
 */
export function engagementLabel(id: number, name: string | null | undefined): string {
  return name?.trim() ? name : `Engagement ${id}`;
}

/** A test without a title, when its test type cannot be told: DefectDojo's URL names it /test/<id>. */
export function testFallbackLabel(id: number): string {
  return `Test ${id}`;
}

/** What DefectDojo's title holds for this engagement name: Python writes None as "None". */
function asPythonWrote(name: string | null | undefined): string {
  return name ?? "None";
}

/** The part of DefectDojo's titles that names the product and engagement (test_added, scan_added, review_requested). */
function productAndEngagement(productName: string, engagementName: string): string {
  return ` for ${productName}: ${engagementName}: `;
}

/**
 * DefectDojo's event title with a nameless engagement's "None" (or empty name) replaced by its
 * label, in the shapes DefectDojo builds: `Engagement created for "<product>": <name>`
 * (dojo/engagement/signals.py) and `… for <product>: <name>: <test>` (test_added, scan_added,
 * review_requested). Any other title is kept as DefectDojo wrote it.
 */
export function titleWithEngagementLabel(
  title: string,
  productName: string,
  engagement: { id: number; name?: string | null },
): string {
  if (engagement.name?.trim()) return title;
  const label = engagementLabel(engagement.id, engagement.name);
  const wrote = asPythonWrote(engagement.name);
  if (title === `Engagement created for "${productName}": ${wrote}`) return `Engagement created for "${productName}": ${label}`;
  const marker = productAndEngagement(productName, wrote);
  const at = title.indexOf(marker);
  if (at === -1) return title;
  return title.slice(0, at) + productAndEngagement(productName, label) + title.slice(at + marker.length);
}

/**
 * DefectDojo's `Test.__str__` for a test without a title is its test type, which a webhook body
 * carries only in the event title: `… for <product>: <engagement>: <str(test)>` (test_added,
 * scan_added), followed by ` - <finding title>` in review_requested. "Test <id>" otherwise.
 */
export function untitledTestLabel(
  testId: number,
  title: string,
  productName: string,
  engagementName: string | null | undefined,
  findingTitle?: string,
): string {
  const marker = productAndEngagement(productName, asPythonWrote(engagementName));
  const at = title.indexOf(marker);
  if (at === -1) return testFallbackLabel(testId);
  let rest = title.slice(at + marker.length);
  const findingSuffix = findingTitle === undefined ? null : ` - ${findingTitle}`;
  if (findingSuffix && rest.endsWith(findingSuffix)) rest = rest.slice(0, -findingSuffix.length);
  return rest.trim() || testFallbackLabel(testId);
}

// engagement_closed / engagement_reopened (dojo/engagement/signals.py): `_("Closure of %s") % instance.name`.
const ENGAGEMENT_STATUS_TEXTS: Readonly<Record<string, { title: string; description: string }>> = {
  engagement_closed: { title: "Closure of ", description: "was closed" },
  engagement_reopened: { title: "Reopening of ", description: "was reopened" },
};

/**
 * engagement_closed and engagement_reopened carry no engagement object (DefectDojo renders them with
 * other.tpl), only its link; for a nameless engagement they read `Closure of None` and `The engagement
 * "None" was closed`. When title and description both say so, the engagement's label replaces "None".
 */
export function engagementStatusTexts(
  eventName: string,
  engagementId: number,
  title: string,
  description: string | null,
): { title: string; description: string | null } {
  const texts = Object.hasOwn(ENGAGEMENT_STATUS_TEXTS, eventName) ? ENGAGEMENT_STATUS_TEXTS[eventName] : null;
  const unnamed = (name: string) => `The engagement "${name}" ${texts?.description}`;
  if (!texts || title !== `${texts.title}None` || description !== unnamed("None")) return { title, description };
  const label = engagementLabel(engagementId, null);
  return { title: `${texts.title}${label}`, description: unnamed(label) };
}
