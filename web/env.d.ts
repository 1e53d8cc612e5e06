/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the API when the page is served from another origin (set by `npm run dev`). */
  readonly VITE_API_BASE?: string;
}
