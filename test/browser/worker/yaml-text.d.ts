// The worker's bundle loads YAML files as text (esbuild's text loader), as a browser build would.
declare module '*.yaml' {
  const text: string;
  export default text;
}
