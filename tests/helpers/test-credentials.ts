/** The credentials the tests' emulators (fauxqs, dynalite) are given: any will do, none is real. */
export const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
