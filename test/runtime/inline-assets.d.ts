// Vite's `?inline` imports (the sample videos as data URIs), typed without pulling in all of vite/client.
declare module "*?inline" {
  const dataUri: string;
  export default dataUri;
}
