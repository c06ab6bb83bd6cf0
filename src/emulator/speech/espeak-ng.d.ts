// espeak-ng ships no typings; this covers the emscripten CLI module we drive.
declare module 'espeak-ng' {
  export interface ESpeakNgOptions {
    arguments: string[];
    print?(line: string): void;
    printErr?(line: string): void;
  }
  export interface ESpeakNgModule {
    FS: {
      readFile(path: string): Uint8Array;
    };
  }
  const ESpeakNg: (options: ESpeakNgOptions) => Promise<ESpeakNgModule>;
  export default ESpeakNg;
}
