/**
 * The audit report (合规审计报表): one self-contained HTML page that shows an auditor, per contract of
 * one consumer, who used the data, when, which datasets and fields, for which purposes, the
 * violations that were attempted, the billed usage and remaining quota, and whether the evidence
 * log behind it all verified.
 *
 * <ul>
 *   <li>{@link io.tollgate.evidence.audit.AuditData}: what a report shows, as plain records (a
 *       section per contract, its versions, decisions, monthly usage, quota and evidence check).
 *       Whoever reads the evidence log fills it; this package reads no file and no topic.
 *   <li>{@link io.tollgate.evidence.audit.AuditReport#render}: the page. HTML5 in UTF-8 with its
 *       style inline and its charts as inline SVG: no script, no font, image, stylesheet or link
 *       from outside, so it reads the same offline, archived or printed. Every string of the data
 *       is escaped; the decisions are read once and only their tallies are kept, so a section of a
 *       million calls costs the same page as one of a thousand.
 * </ul>
 */
package io.tollgate.evidence.audit;
