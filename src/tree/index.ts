// The tree layer: content-addressed file trees. A tree is a persistent sorted
// map from a file's normalised path to its entry (size, content hash, data
// references), stored as a prolly tree: a B-tree whose node boundaries are
// chosen by a hash of the keys, so the same set of files always gives the same
// nodes and the same root ID, whatever order they were written in. Versions
// share every unchanged node; an update of k files among n writes O(k·log n)
// nodes, a diff visits only the nodes that differ, and directories are implied
// by paths, so a flat directory of a million files is just a wide tree.
export type { TreeId, FileEntry } from './node.js';
export type { Mutation } from './mutate.js';
export type { DiffEntry } from './diff.js';
export type { TreeItem } from './list.js';
export type { TreeNode } from './node.js';
export { EMPTY_TREE } from './codec.js';
export { FileTree, type FileTreeOptions } from './file-tree.js';
export { walkReachable, walkContent, type ReachableSource, type ReachableVisitor } from './reachable.js';
export { compileGlob, type GlobWalkOptions } from './glob.js';
export { parseGlobSyntax, MAX_GLOB_LENGTH, MAX_GLOB_NESTING, type GlobNode, type GlobAlts } from './glob-syntax.js';
export { compileGlobMachine, type GlobMachine } from './glob-machine.js';
export type { MatchStats } from './glob-steps.js';
export { TimeSlice } from './time-slice.js';
export { InvalidFileEntry } from '../errors/index.js';
export { normalizePath, normalizeFilePath, joinPath, parentDir, baseName, dirPrefix } from './path.js';
