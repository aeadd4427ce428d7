// The layer rule of docs/ARCHITECTURE.md, enforced: a lower layer never imports a higher one.
//   drivers (src/api, src/workflow) → present → domain (src/tasks, src/keys) → infrastructure (src/providers,
//   src/storage, src/media) → src/lib; src/config.ts sits beside lib, src/env.ts and the entry points on top.
const layer = (name, path, mayNotImport, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path },
  to: { path: mayNotImport, dependencyTypesNot: ["type-only"] },
});

module.exports = {
  forbidden: [
    layer("lib-is-the-bottom", "^src/lib/", "^src/(?!lib/)", "src/lib holds helpers every layer uses; it imports nothing of the gateway's."),
    layer(
      "config-imports-lib-only",
      "^src/config\\.ts$",
      "^src/(api|workflow|present|tasks|keys|providers|storage|media)/",
      "Configuration is read by every layer, so it depends on none of them.",
    ),
    layer(
      "infrastructure-stays-below-the-domain",
      "^src/(providers|storage|media)/",
      "^src/(api|workflow|present|tasks|keys)/",
      "Providers, storage and media know nothing of tasks, keys or HTTP.",
    ),
    layer("domain-stays-below-presentation", "^src/(tasks|keys)/", "^src/(api|workflow|present)/", "The domain does not know how it is shown or driven."),
    layer("presentation-stays-below-drivers", "^src/present/", "^src/(api|workflow)/", "Presentations are views of the domain, used by the drivers."),
    layer("drivers-are-independent", "^src/workflow/", "^src/api/", "The workflow does not use the HTTP layer."),
    layer(
      "cli-is-a-client-of-the-public-api",
      "^cli/",
      "^(src|simulator|scripts|test|bench)/",
      "The CLI speaks to the gateway over HTTP like any other client; it may share types only.",
    ),
    {
      name: "no-circular",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-test-or-tool-code-in-the-worker",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|simulator|scripts|bench|cli)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no compiler API for dependency-cruiser yet: swc parses the sources instead.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "node_modules" },
  },
};
