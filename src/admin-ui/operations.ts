/**
 * Every GraphQL operation the admin page sends, in one place and free of DOM and JSX, so that
 * test/admin/admin-operations.test.ts can validate each against the bridge's schema: a field renamed
 * in the API fails a test instead of a page.
 */

const SYSTEM_SETTINGS_FIELDS = `enableSlackNotifications slackChannel slackUsername slackTokenSet enableMsteamsNotifications
  msteamsUrlSet enableMailNotifications mailNotificationsTo linkOnly`;
const PROFILE_FIELDS = `username email contact {
  slackEmail email msteamsUrlSet minSeverity digestWindowSeconds quietHoursStart quietHoursEnd timeZone
}`;
const DELIVERY_FIELDS = "id event eventTitle channel target status attempts lastError createdAt";
const KEPT_ASIDE_FIELDS = "id receivedAt reason detail eventName contentType sizeBytes headers { name value } body bodyTruncated";
const RULE_FIELDS = `id name position events productTypeIds productIds engagementIds minSeverity tags verified active continue
  targets { channel slackChannel emails msteamsUrlSet msteamsLabel } digestWindowSeconds digestGroupBy linkOnly`;

export const OPERATIONS = {
  signIn: "query SignIn { me { id username isSuperuser } }",

  systemSettings: `query SystemSettings { systemSettings { ${SYSTEM_SETTINGS_FIELDS} } }`,
  updateSystemSettings: `mutation UpdateSystemSettings($input: SystemSettingsInput!) {
    updateSystemSettings(input: $input) { ${SYSTEM_SETTINGS_FIELDS} }
  }`,
  sendTestNotification: `mutation SendTestNotification($channel: Channel!) {
    sendTestNotification(channel: $channel) { id status attempts lastError target }
  }`,

  systemNotifications: "query SystemNotifications { systemNotifications { event channels personalOnly note } }",
  setSystemNotifications: `mutation SetSystemNotifications($input: [EventChannelsInput!]!) {
    setSystemNotifications(input: $input) { event channels personalOnly note }
  }`,

  profile: `query Profile { me { ${PROFILE_FIELDS} } }`,
  updateMyContact: `mutation UpdateMyContact($input: ContactInput!) { updateMyContact(input: $input) { ${PROFILE_FIELDS} } }`,

  myNotifications: "query MyNotifications { me { notifications { event channels personalOnly note } } }",
  setMyNotifications: `mutation SetMyNotifications($input: [EventChannelsInput!]!) {
    setMyNotifications(input: $input) { event channels personalOnly note }
  }`,

  deliveries: `query Deliveries($first: Int, $after: String, $status: DeliveryStatus) {
    deliveries(first: $first, after: $after, status: $status) {
      edges { node { ${DELIVERY_FIELDS} } }
      pageInfo { hasNextPage endCursor }
    }
  }`,
  keptAsideRequests: `query KeptAsideRequests($first: Int, $after: String) {
    keptAsideRequests(first: $first, after: $after) {
      edges { node { ${KEPT_ASIDE_FIELDS} } }
      pageInfo { hasNextPage endCursor }
    }
  }`,
  retryDelivery: `mutation RetryDelivery($id: ID!) { retryDelivery(id: $id) { ${DELIVERY_FIELDS} } }`,

  routingRules: `query RoutingRules { routingRules { ${RULE_FIELDS} } }`,
  createRoutingRule: `mutation CreateRoutingRule($input: RoutingRuleInput!) { createRoutingRule(input: $input) { ${RULE_FIELDS} } }`,
  updateRoutingRule: `mutation UpdateRoutingRule($id: ID!, $input: RoutingRuleInput!) {
    updateRoutingRule(id: $id, input: $input) { ${RULE_FIELDS} }
  }`,
  deleteRoutingRule: "mutation DeleteRoutingRule($id: ID!) { deleteRoutingRule(id: $id) }",
  previewRouting: `query PreviewRouting($event: String!, $payload: String!) {
    previewRouting(event: $event, payload: $payload) { channel target ruleName digestWindowSeconds }
  }`,

  defectDojoConnection:
    "query Connection { defectDojoConnection { reachable version authorizationModel webhookStatus webhookNote problem lastHealedAt skippedWindow { from to healed message } } }",
  importFromDefectDojo: `mutation ImportFromDefectDojo {
    importFromDefectDojo { imported { what reason } unchanged { what reason } skipped { what reason } }
  }`,
  registerDefectDojoWebhook: `mutation RegisterDefectDojoWebhook($publicUrl: String!, $stopDirectNotifications: Boolean!) {
    registerDefectDojoWebhook(publicUrl: $publicUrl, stopDirectNotifications: $stopDirectNotifications) {
      endpointId url created status directChannelsStopped notes
    }
  }`,
} as const;
