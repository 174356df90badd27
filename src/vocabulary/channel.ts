/** The delivery channels Dojo Relay speaks. Values match the GraphQL `Channel` enum. */
export enum Channel {
  SLACK = "SLACK",
  MSTEAMS = "MSTEAMS",
  MAIL = "MAIL",
}

export const ALL_CHANNELS: readonly Channel[] = Object.values(Channel);
