// The file-system part of the client, on its own: TuskClient (repos, commits,
// branches, files) and what connecting to tuskd needs, without the pipeline
// and access-control clients. The CLI's file commands load only this: the
// generated code of PpsApi and AuthApi is about a third of the whole client
// module (index.ts), which every such command otherwise read and ran at start.
export { TuskClient } from './tusk-client.js';
export { isTlsAddress, tlsCa } from './connection.js';
export { dataBuffer } from '../rpc/file-wire.js';
