/** The evidence job: contracts, decisions and closed usage sealed into the evidence log. */
package io.tollgate.flink.evidence;
