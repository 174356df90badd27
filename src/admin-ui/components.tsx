import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, apiErrors } from "./api";

/** The errors of an operation, announced at once (role=alert), code first as the API sends it. */
export function Errors({ errors }: { errors: ApiError[] | null }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div class="errors" role="alert">
      <ul>
        {errors.map((error, index) => (
          <li key={index}>
            {error.code ? <code>{error.code}</code> : null} {error.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A polite live region: it is always rendered, so screen readers announce each new message in it. */
export function Status({ message }: { message: string | null }) {
  return (
    <p class="status" role="status" aria-live="polite">
      {message ?? ""}
    </p>
  );
}

export interface Action {
  busy: boolean;
  errors: ApiError[] | null;
  status: string | null;
  /** Runs `work`; on success shows what it returns as the status, on failure its errors. */
  run(work: () => Promise<string | null | void>): Promise<boolean>;
  clear(): void;
}

/** One form's (or one button's) pending request, errors and status message. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ApiError[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const run = useCallback(async (work: () => Promise<string | null | void>) => {
    setBusy(true);
    setErrors(null);
    setStatus(null);
    try {
      setStatus((await work()) ?? null);
      return true;
    } catch (error) {
      setErrors(apiErrors(error));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setErrors(null);
    setStatus(null);
  }, []);
  return { busy, errors, status, run, clear };
}

/** What a page shows until its first query answers: a message, or the query's errors. */
export function Loading({ errors }: { errors: ApiError[] | null }) {
  return errors ? <Errors errors={errors} /> : <p role="status">Loading…</p>;
}

export function Hint({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <p class="hint" id={id}>
      {children}
    </p>
  );
}

export function CheckboxField(props: { id: string; label: string; checked: boolean; onChange(checked: boolean): void; hint?: string }) {
  return (
    <div class="field checkbox">
      <input
        type="checkbox"
        id={props.id}
        checked={props.checked}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label for={props.id}>{props.label}</label>
      {props.hint ? <Hint id={`${props.id}-hint`}>{props.hint}</Hint> : null}
    </div>
  );
}

export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onInput(value: string): void;
  type?: "text" | "email" | "url" | "number" | "time";
  hint?: string;
  required?: boolean;
  min?: number;
  max?: number;
  autocomplete?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        // Preact types <input> as a union discriminated by `type`, which a variable `type` cannot
        // select; the attributes given here are valid for each of the types this field takes.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        required={props.required}
        min={props.min}
        max={props.max}
        autocomplete={props.autocomplete ?? "off"}
        spellcheck={false}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint ? <Hint id={`${props.id}-hint`}>{props.hint}</Hint> : null}
    </div>
  );
}

export function SelectField<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  options: ReadonlyArray<readonly [T, string]>;
  onChange(value: T): void;
  hint?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onChange={(event) => props.onChange(event.currentTarget.value as T)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {props.hint ? <Hint id={`${props.id}-hint`}>{props.hint}</Hint> : null}
    </div>
  );
}

/** A write-only secret's edit state: kept (unchanged), replaced by a new value, or removed. */
export type SecretEdit = { kind: "keep" } | { kind: "replace"; value: string } | { kind: "remove" };
export const KEEP: SecretEdit = { kind: "keep" };

/** What to send for a secret: the new value, "" to remove it, or nothing (undefined) to keep it. */
export function secretInput(edit: SecretEdit): string | undefined {
  if (edit.kind === "remove") return "";
  // An empty replacement changes nothing: removing is its own button, never an accident.
  if (edit.kind === "replace" && edit.value !== "") return edit.value;
  return undefined;
}

/**
 * A write-only secret (a token, a webhook URL): the API only says whether one is stored, so the
 * page shows "set" or "not set" and, after "Replace" ("Set" while none is stored), an empty password
 * input. Its value is never shown back.
 */
export function SecretField(props: {
  id: string;
  label: string;
  isSet: boolean;
  edit: SecretEdit;
  onEdit(edit: SecretEdit): void;
  hint?: string;
  /** Offer "Remove" when one is set (not where the API requires one). */
  removable?: boolean;
}) {
  const { id, label, isSet, edit, onEdit } = props;
  const removable = props.removable ?? true;
  const stateText = edit.kind === "remove" ? "will be removed on save" : isSet ? "set" : "not set";
  return (
    <div class="field secret">
      {edit.kind === "replace" ? (
        <>
          <label for={id}>{label}</label>
          <input
            id={id}
            type="password"
            value={edit.value}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={`${id}-state`}
            onInput={(event) => onEdit({ kind: "replace", value: event.currentTarget.value })}
          />
          <p class="hint" id={`${id}-state`}>
            {isSet ? "Currently set; an empty field keeps it." : "Currently not set; an empty field leaves it unset."}{" "}
            <button type="button" class="link" onClick={() => onEdit(KEEP)}>
              Cancel
            </button>
          </p>
        </>
      ) : (
        <>
          <span class="label" id={`${id}-label`}>
            {label}
          </span>
          <p class="secret-state">
            <span id={`${id}-state`} class={isSet && edit.kind !== "remove" ? "badge ok" : "badge"}>
              {stateText}
            </span>{" "}
            <button type="button" aria-describedby={`${id}-label`} onClick={() => onEdit({ kind: "replace", value: "" })}>
              {isSet ? "Replace" : "Set"}
            </button>{" "}
            {removable && isSet && edit.kind !== "remove" ? (
              <button type="button" aria-describedby={`${id}-label`} onClick={() => onEdit({ kind: "remove" })}>
                Remove
              </button>
            ) : null}
            {edit.kind === "remove" ? (
              <button type="button" onClick={() => onEdit(KEEP)}>
                Keep it
              </button>
            ) : null}
          </p>
        </>
      )}
      {props.hint ? <Hint id={`${id}-hint`}>{props.hint}</Hint> : null}
    </div>
  );
}

/** A comma- or line-separated list as its non-empty trimmed parts. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

export interface Loaded<T> {
  data: T | null;
  errors: ApiError[] | null;
  setData(data: T): void;
  reload(): void;
}

/** Runs a page's query when the page opens (and on `reload`); its data or its errors. */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [errors, setErrors] = useState<ApiError[] | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setErrors(null);
    load().then(
      (value) => current && setData(value),
      (error: unknown) => current && setErrors(apiErrors(error)),
    );
    // A page left before its answer came must not set state from it.
    return () => {
      current = false;
    };
    // `load` is the page's own function, new on every render; the page asks again only on reload.
  }, [generation]);
  return { data, errors, setData, reload: useCallback(() => setGeneration((n) => n + 1), []) };
}
