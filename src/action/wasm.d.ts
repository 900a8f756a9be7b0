/** esbuild's `binary` loader (esbuild.config.mjs, the action bundle): a .wasm file's bytes. */
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}
