import { render } from "preact";
import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Api, ApiError, apiErrors, createApi } from "./api";
import { OPERATIONS } from "./operations";
import { ConnectPage } from "./pages/connect";
import { DeliveriesPage } from "./pages/deliveries";
import { KeptAsidePage } from "./pages/kept-aside";
import { PersonalNotificationsPage } from "./pages/personal-notifications";
import { ProfilePage } from "./pages/profile";
import { RoutingRulesPage } from "./pages/routing-rules";
import { SignInPage } from "./pages/sign-in";
import { SystemNotificationsPage } from "./pages/system-notifications";
import { SystemSettingsPage } from "./pages/system-settings";
import type { Me, PageProps } from "./session";

interface PageEntry {
  path: string;
  title: string;
  /** Only for DefectDojo superusers: the API refuses these operations to anyone else. */
  superuser: boolean;
  component: ComponentType<PageProps>;
}

const PAGES: readonly PageEntry[] = [
  { path: "/profile", title: "Profile", superuser: false, component: ProfilePage },
  { path: "/notifications", title: "Personal Notifications", superuser: false, component: PersonalNotificationsPage },
  { path: "/deliveries", title: "Deliveries", superuser: false, component: DeliveriesPage },
  { path: "/system/settings", title: "System Settings", superuser: true, component: SystemSettingsPage },
  { path: "/system/notifications", title: "System Notifications", superuser: true, component: SystemNotificationsPage },
  { path: "/system/rules", title: "Routing rules", superuser: true, component: RoutingRulesPage },
  { path: "/system/connect", title: "Connect DefectDojo", superuser: true, component: ConnectPage },
  { path: "/system/kept-aside", title: "Kept aside", superuser: true, component: KeptAsidePage },
];

/**
 * The key lives in this tab's sessionStorage only: it survives a reload, is gone when the tab
 * closes, and is never written to localStorage or a cookie.
 */
const KEY_STORAGE = "dojo-relay.api-key";

/** The route is the URL's hash (`#/system/settings`); other fragments (the skip link's) leave it alone. */
function useHashRoute(): string {
  const read = (previous: string) => (location.hash.startsWith("#/") ? location.hash.slice(1) : previous);
  const [route, setRoute] = useState(() => read(""));
  useEffect(() => {
    const onChange = () => setRoute(read);
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

function App() {
  const [session, setSession] = useState<{ api: Api; me: Me } | null>(null);
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(KEY_STORAGE) !== null);
  const [signInErrors, setSignInErrors] = useState<ApiError[] | null>(null);
  const route = useHashRoute();

  const signOut = (errors: ApiError[] | null = null) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setSession(null);
    setSignInErrors(errors);
  };

  const signIn = async (key: string): Promise<boolean> => {
    try {
      const { me } = await createApi(key).request<{ me: Me }>(OPERATIONS.signIn);
      sessionStorage.setItem(KEY_STORAGE, key);
      const api = createApi(key, () =>
        signOut([{ code: "UNAUTHENTICATED", message: "DefectDojo no longer accepts this API key; sign in again." }]),
      );
      setSignInErrors(null);
      setSession({ api, me });
      return true;
    } catch (error) {
      signOut(apiErrors(error));
      return false;
    }
  };

  useEffect(() => {
    const stored = sessionStorage.getItem(KEY_STORAGE);
    if (stored) void signIn(stored).finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p role="status">Signing in…</p>;
  if (!session) return <SignInPage signIn={signIn} errors={signInErrors} />;
  return <Shell me={session.me} api={session.api} route={route} signOut={() => signOut()} />;
}

function Shell(props: { me: Me; api: Api; route: string; signOut(): void }) {
  const { me, api } = props;
  const visible = PAGES.filter((page) => me.isSuperuser || !page.superuser);
  const route = props.route || (me.isSuperuser ? "/system/settings" : "/profile");
  // A page the user may not use is not found: the page shows nothing of it, not even its name.
  const page = visible.find((entry) => entry.path === route);
  const title = page?.title ?? "Page not found";
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = `${title} · Dojo Relay`;
    // Moves keyboard and screen-reader users to the new page, as a page load would.
    heading.current?.focus();
  }, [route]);

  const link = (entry: PageEntry) => (
    <li key={entry.path}>
      <a href={`#${entry.path}`} aria-current={entry === page ? "page" : undefined}>
        {entry.title}
      </a>
    </li>
  );

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Dojo Relay</p>
        <p class="who">
          Signed in as <strong>{me.username}</strong>
          {me.isSuperuser ? " (superuser)" : ""}
        </p>
        <button type="button" onClick={props.signOut}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav aria-label="Pages">
          <h2 class="nav-heading">Your account</h2>
          <ul>{visible.filter((entry) => !entry.superuser).map(link)}</ul>
          {me.isSuperuser ? (
            <>
              <h2 class="nav-heading">System</h2>
              <ul>{visible.filter((entry) => entry.superuser).map(link)}</ul>
            </>
          ) : null}
        </nav>
        <main id="main" tabIndex={-1}>
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {page ? (
            <page.component key={page.path} api={api} me={me} />
          ) : (
            <p>
              There is no page at this address. <a href={`#${visible[0].path}`}>Go to your {visible[0].title.toLowerCase()}</a>.
            </p>
          )}
        </main>
      </div>
    </>
  );
}

render(<App />, document.getElementById("app")!);
