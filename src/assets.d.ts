// Modules imported as text by wrangler.toml's rules (and by the test runner's equivalent).
declare module "@scalar/api-reference/browser/standalone.js" {
  const text: string;
  export default text;
}
