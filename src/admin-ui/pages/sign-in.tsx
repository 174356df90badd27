import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { Errors } from "../components";

/** The only way in: the user's own DefectDojo API v2 key, checked by the bridge against DefectDojo. */
export function SignInPage(props: { signIn(key: string): Promise<boolean>; errors: ApiError[] | null }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = "Sign in · Dojo Relay";
    input.current?.focus();
  }, []);

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const signedIn = await props.signIn(key.trim());
    // Gone from the page either way; on failure the user pastes it again.
    if (!signedIn) {
      setKey("");
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Dojo Relay</h1>
      <form onSubmit={onSubmit}>
        <h2>Sign in</h2>
        <div class="field">
          <label for="api-key">DefectDojo API key</label>
          <input
            id="api-key"
            ref={input}
            type="password"
            value={key}
            required
            autocomplete="off"
            spellcheck={false}
            aria-describedby="api-key-hint"
            onInput={(event) => setKey(event.currentTarget.value)}
          />
          <p class="hint" id="api-key-hint">
            Your API v2 key from DefectDojo (your user menu, “API v2 Key”). It stays in this browser tab only and goes
            nowhere but this bridge, which asks DefectDojo who you are; signing out or closing the tab forgets it.
          </p>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <Errors errors={props.errors} />
      </form>
    </main>
  );
}
