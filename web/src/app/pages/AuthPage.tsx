import { useState, type FormEvent } from "react";
import { ApiError } from "../../../../Generated/typescript/client";
import { navigate } from "../../lib/router";
import { describe, login, register } from "../session";

type Fields = { username: string; email: string; password: string; name: string };
type Errors = Partial<Record<keyof Fields | "form", string>>;

/** The schema's limits (RegisterRequest, LoginRequest), checked before sending; the server checks them again. */
function validate(mode: "login" | "register", fields: Fields): Errors {
  const errors: Errors = {};
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(fields.email) || fields.email.length > 254) errors.email = "Enter a valid email address";
  if (mode === "login") {
    if (fields.password.length < 1) errors.password = "Enter your password";
    return errors;
  }
  if (!/^[a-z0-9_.]{3,32}$/.test(fields.username)) errors.username = "3 to 32 of a–z, 0–9, _ and .";
  if (fields.password.length < 8 || fields.password.length > 128) errors.password = "8 to 128 characters";
  if (fields.name.trim().length < 1 || fields.name.length > 64) errors.name = "1 to 64 characters";
  return errors;
}

export function AuthPage({ mode }: { mode: "login" | "register" }): JSX.Element {
  const [fields, setFields] = useState<Fields>({ username: "", email: "", password: "", name: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Fields) => (event: { target: { value: string } }) => setFields({ ...fields, [key]: event.target.value });

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const found = validate(mode, fields);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      if (mode === "login") await login(fields.email, fields.password);
      else await register(fields);
      navigate("/chats", { replace: true });
    } catch (error) {
      // The server's errors by field: `body.email` → email.
      const byField: Errors = {};
      if (error instanceof ApiError && error.details) {
        for (const detail of error.details) {
          const key = detail.path.replace(/^body\./, "") as keyof Fields;
          if (key in fields) byField[key] = detail.message;
        }
      }
      setErrors(Object.keys(byField).length > 0 ? byField : { form: describe(error) });
    } finally {
      setBusy(false);
    }
  }

  const field = (key: keyof Fields, label: string, type: string, autoComplete: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={key}
        type={type}
        value={fields[key]}
        onChange={set(key)}
        autoComplete={autoComplete}
        aria-invalid={errors[key] ? true : undefined}
        aria-describedby={errors[key] ? `${key}-error` : undefined}
        required
      />
      {errors[key] && (
        <small id={`${key}-error`} className="error">
          {errors[key]}
        </small>
      )}
    </label>
  );

  return (
    <main className="auth">
      <form className="card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h1 id="auth-title">{mode === "login" ? "Sign in to Parley" : "Create your Parley account"}</h1>
        {mode === "register" && field("name", "Name", "text", "name")}
        {mode === "register" && field("username", "Username", "text", "username")}
        {field("email", "Email", "email", "email")}
        {field("password", "Password", "password", mode === "login" ? "current-password" : "new-password")}
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === "login" ? "Sign in" : "Create account"}
        </button>
        <p>
          {mode === "login" ? "New here? " : "Have an account? "}
          <a
            href={mode === "login" ? "/register" : "/login"}
            onClick={(event) => {
              event.preventDefault();
              setErrors({});
              navigate(mode === "login" ? "/register" : "/login");
            }}
          >
            {mode === "login" ? "Create an account" : "Sign in"}
          </a>
        </p>
      </form>
    </main>
  );
}
