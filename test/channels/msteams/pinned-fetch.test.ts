import { pinnedFetch } from "../../../src/channels/msteams/pinned-fetch";
import { startTeamsPeer } from "../../peers/teams-peer";

describe("pinnedFetch", () => {
  it("connects to the checked address only, never asking DNS again", async () => {
    const peer = await startTeamsPeer();
    const pinned = pinnedFetch(["127.0.0.1"]);
    try {
      // `.invalid` never resolves (RFC 6761): reaching the peer proves the pinned address was used.
      const url = new URL(peer.url);
      url.hostname = "workflows.example.invalid";
      const response = await pinned.fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      expect(response.status).toBe(202);
      expect(peer.requests).toHaveLength(1);
      expect(peer.requests[0].headers.host).toBe(url.host);
    } finally {
      await pinned.close();
      await peer.close();
    }
  });
});
