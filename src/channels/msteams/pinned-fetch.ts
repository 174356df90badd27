import { isIP } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";

export interface PinnedFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * A fetch that connects only to `addresses`, the ones just checked: a second DNS answer (rebinding
 * to an internal address between check and connect) is never asked for. TLS still verifies the
 * URL's host name.
 */
export function pinnedFetch(addresses: string[]): PinnedFetch {
  const agent = new Agent({
    connect: {
      lookup: (_hostname, options, callback) => {
        const all = addresses.map((address) => ({ address, family: isIP(address) }));
        if ((options as { all?: boolean }).all) (callback as (e: null, a: typeof all) => void)(null, all);
        else callback(null, all[0].address, all[0].family);
      },
    },
  });
  return {
    fetch: ((input: URL, init: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch,
    close: () => agent.close(),
  };
}
