/**
 * The evidence log (docs/evidence.md): an append-only Merkle log of contracts, decisions and closed
 * usage, hashed as RFC 6962 / RFC 9162 say and stored as C2SP tlog-tiles; signed checkpoints (C2SP
 * tlog-checkpoint in a C2SP signed-note, Ed25519); packages that an auditor verifies offline; and
 * the audit report. Plain Java: the evidence job in {@code flink-jobs} and the commands use it.
 */
package io.tollgate.evidence;
