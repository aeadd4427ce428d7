// Modules imported as text by wrangler.toml's rules (and by the test runner's equivalent).
declare module "@scalar/api-reference/browser/standalone.js" {
  const text: string;
  export default text;
}
// The web pages' files (web/), served by src/api/pages.ts. Relative .js imports match no wildcard, hence one each.
declare module "*.html" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*/web/common.js" {
  const text: string;
  export default text;
}
declare module "*/web/playground.js" {
  const text: string;
  export default text;
}
declare module "*/web/admin.js" {
  const text: string;
  export default text;
}
