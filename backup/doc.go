// Package backup owns the format of raftvec's collection backups: the
// manifest (manifest.json) that describes one backup and the names of the
// objects it copied into a backup store that two clusters can share. The work itself (flushing, listing each shard's segments at one
// log index, copying, committing restored segments through the shard logs)
// is done by package server, which owns the collaborators it needs.
//
// Layout, in the backup store (MinIO: the bucket under --backup-root,
// "backups" by default, whatever each cluster's --minio-root; local
// storage: the directory {objects dir}/backups):
//
//	{backup}/manifest.json
//	{backup}/data/{source segment}/{field}/{chunk}
//	{backup}/index/{source segment}/{index}
//
// Invariants:
//   - manifest.json is written last, after every object it names: a backup
//     exists (List, Read) only once it is complete, and an interrupted one
//     is a set of objects without a manifest, overwritten by a retry under
//     the same name (object names are deterministic).
//   - A manifest describes each shard at one log index (Shard.AppliedIndex):
//     its segments, each with its chunks and their CRC-32C (rows not yet
//     flushed at that index are one more chunk, written by the backup),
//     its deletion flags at that index and its index files. Nothing
//     written after that index is in the backup.
//   - Encode is deterministic (the golden test holds it): the same backup
//     gives the same bytes.
package backup
