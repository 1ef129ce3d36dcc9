import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { start } from "./app/session";
import "./styles.css";

// The theme chosen in Settings, else the system's.
const theme = localStorage.getItem("theme") ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
document.documentElement.dataset.theme = theme;

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
void start();
if ("serviceWorker" in navigator) void navigator.serviceWorker.register("/sw.js").catch(() => undefined);
